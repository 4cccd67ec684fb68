import type { SegmentHash } from '@meshcast/client/signaling';

export type { SegmentHash } from '@meshcast/client/signaling';

/**
 * Where the server keeps the segment hashes it computed, per swarm (`channel/rendition`).
 * Async so that a shared store (Redis) can implement it for several servers; the in-memory
 * `MemoryHashStore` is the default. A store keeps a bounded number of the newest
 * segments per swarm.
 */
export interface HashStore {
  /**
   * Records the hash of one segment. The first hash of a seq wins: returns false (and keeps
   * the old one) when the swarm already has a hash for `hash.seq`.
   */
  put(swarm: string, hash: SegmentHash): Promise<boolean>;
  /** Whether the swarm has a hash for `seq` (another server may have computed it). */
  has(swarm: string, seq: number): Promise<boolean>;
  /** The newest hashes of the swarm, ascending by seq, at most `limit`. */
  list(swarm: string, limit: number): Promise<SegmentHash[]>;
  /** Forgets every hash of the swarms whose id starts with `${channel}/`. */
  deleteChannel(channel: string): Promise<void>;
  /** Releases connections; safe to call twice. */
  destroy(): Promise<void>;
}
