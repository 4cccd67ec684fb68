import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { HashStore, SegmentHash } from '../integrity/hash-store.js';

/** Settings of {@link RedisHashStore}. */
export interface RedisHashStoreConfig {
  /** Hashes kept per swarm (the newest). @default 64 */
  maxPerSwarm: number;
  /** A swarm's hashes are dropped this long after its last new one (a channel that ended). @default 600000 */
  idleTtlMs: number;
  /** Prefix of every key. @default 'meshcast:' */
  keyPrefix: string;
}

export const DEFAULT_REDIS_HASH_STORE_CONFIG: RedisHashStoreConfig = {
  maxPerSwarm: 64,
  idleTtlMs: 600_000,
  keyPrefix: 'meshcast:',
};

// First hash of a seq wins; keep the newest ARGV[3]; remember the swarm under its channel.
const PUT = `if redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1]) > 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`;

const hashSchema = z.object({
  seq: z.number().int().min(0),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * Segment hashes shared by every server on one Redis: a sorted set per swarm (score = media
 * sequence). The first server to hash a segment wins, so all servers hand joiners the same
 * hashes, and a server whose watcher just started still serves the window that others
 * hashed. Each server still tells its own viewers (`io.local`), so a hash reaches every
 * viewer once. Uses a connection it does not own: `destroy()` leaves it open.
 */
export class RedisHashStore implements HashStore {
  readonly config: RedisHashStoreConfig;
  private destroyed = false;

  constructor(
    private readonly client: Redis,
    config: Partial<RedisHashStoreConfig> = {},
  ) {
    this.config = { ...DEFAULT_REDIS_HASH_STORE_CONFIG, ...config };
    const { maxPerSwarm, idleTtlMs } = this.config;
    if (!Number.isInteger(maxPerSwarm) || maxPerSwarm < 1) {
      throw new RangeError('RedisHashStore: maxPerSwarm must be an integer >= 1');
    }
    if (!Number.isInteger(idleTtlMs) || idleTtlMs < 1000) {
      throw new RangeError('RedisHashStore: idleTtlMs must be an integer >= 1000');
    }
  }

  async put(swarm: string, hash: SegmentHash): Promise<boolean> {
    if (this.destroyed) return false;
    const { seq, size, sha256 } = hash;
    const added = await this.client.eval(
      PUT,
      2,
      this.swarmKey(swarm),
      this.channelKey(channelOf(swarm)),
      seq,
      JSON.stringify({ seq, size, sha256 }),
      this.config.maxPerSwarm,
      this.config.idleTtlMs,
      swarm,
    );
    return added === 1;
  }

  async has(swarm: string, seq: number): Promise<boolean> {
    return (await this.client.zcount(this.swarmKey(swarm), seq, seq)) > 0;
  }

  async list(swarm: string, limit: number): Promise<SegmentHash[]> {
    if (limit <= 0) return [];
    const members = await this.client.zrange(this.swarmKey(swarm), String(-limit), '-1');
    const hashes: SegmentHash[] = [];
    for (const m of members) {
      const parsed = hashSchema.safeParse(parseJson(m));
      if (parsed.success) hashes.push(parsed.data);
    }
    return hashes;
  }

  async deleteChannel(channel: string): Promise<void> {
    const key = this.channelKey(channel);
    const swarms = await this.client.smembers(key);
    await this.client.del(key, ...swarms.map((s) => this.swarmKey(s)));
  }

  destroy(): Promise<void> {
    this.destroyed = true;
    return Promise.resolve();
  }

  private swarmKey(swarm: string): string {
    return `${this.config.keyPrefix}hashes:${swarm}`;
  }

  private channelKey(channel: string): string {
    return `${this.config.keyPrefix}hash-swarms:${channel}`;
  }
}

function channelOf(swarm: string): string {
  const slash = swarm.indexOf('/');
  return slash < 0 ? swarm : swarm.slice(0, slash);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
