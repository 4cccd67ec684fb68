import type { HashStore, SegmentHash } from './hash-store.js';

/** Settings of {@link MemoryHashStore}. */
export interface MemoryHashStoreConfig {
  /** Hashes kept per swarm (the newest). @default 64 */
  maxPerSwarm: number;
}

export const DEFAULT_MEMORY_HASH_STORE_CONFIG: MemoryHashStoreConfig = { maxPerSwarm: 64 };

/** A {@link HashStore} in this process's memory. */
export class MemoryHashStore implements HashStore {
  readonly config: MemoryHashStoreConfig;
  /** swarm -> seq -> hash; Map insertion order is not seq order, so eviction sorts. */
  private readonly swarms = new Map<string, Map<number, SegmentHash>>();

  constructor(config: Partial<MemoryHashStoreConfig> = {}) {
    this.config = { ...DEFAULT_MEMORY_HASH_STORE_CONFIG, ...config };
    if (!Number.isInteger(this.config.maxPerSwarm) || this.config.maxPerSwarm < 1) {
      throw new RangeError('MemoryHashStore: maxPerSwarm must be an integer >= 1');
    }
  }

  put(swarm: string, hash: SegmentHash): Promise<boolean> {
    let bySeq = this.swarms.get(swarm);
    if (!bySeq) this.swarms.set(swarm, (bySeq = new Map<number, SegmentHash>()));
    if (bySeq.has(hash.seq)) return Promise.resolve(false);
    bySeq.set(hash.seq, { seq: hash.seq, size: hash.size, sha256: hash.sha256 });
    if (bySeq.size > this.config.maxPerSwarm) {
      const oldest = Math.min(...bySeq.keys());
      bySeq.delete(oldest);
    }
    return Promise.resolve(true);
  }

  has(swarm: string, seq: number): Promise<boolean> {
    return Promise.resolve(this.swarms.get(swarm)?.has(seq) ?? false);
  }

  list(swarm: string, limit: number): Promise<SegmentHash[]> {
    const all = [...(this.swarms.get(swarm)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    return Promise.resolve(all.slice(Math.max(0, all.length - limit)).map((h) => ({ ...h })));
  }

  deleteChannel(channel: string): Promise<void> {
    const prefix = `${channel}/`;
    for (const swarm of [...this.swarms.keys()]) {
      if (swarm.startsWith(prefix)) this.swarms.delete(swarm);
    }
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    this.swarms.clear();
    return Promise.resolve();
  }
}
