import type { Channel } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/channel-registry.js';

/** Channels remembered at most (unknown ids included: they are asked for too). */
export const DEFAULT_CHANNEL_CACHE_ENTRIES = 1024;

/**
 * The channel lookups of signaling, served from memory: every join and `more` asks for its
 * channel, which is a SQLite read or a Redis round trip, while channels change rarely. An
 * entry is dropped on every write the registry reports (with Redis: any server's write), so
 * a disabled channel refuses joins as soon as the change is seen.
 */
export class ChannelCache implements Pick<ChannelRegistry, 'get'> {
  private readonly entries = new Map<string, Promise<Channel | undefined>>();
  private readonly unwatch: () => void;

  constructor(
    private readonly registry: Pick<ChannelRegistry, 'get' | 'watch'>,
    private readonly maxEntries = DEFAULT_CHANNEL_CACHE_ENTRIES,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.unwatch = registry.watch((change) => {
      this.entries.delete(change.id);
    });
  }

  /** The channel (shared: callers must not change it), or undefined. */
  get(id: string): Promise<Channel | undefined> {
    const cached = this.entries.get(id);
    if (cached) return cached;
    const lookup = this.registry.get(id);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, lookup);
    // A failed lookup is not remembered; the caller sees the failure.
    lookup.catch(() => {
      if (this.entries.get(id) === lookup) this.entries.delete(id);
    });
    return lookup;
  }

  /** Stops watching the registry and forgets everything; safe to call twice. */
  destroy(): void {
    this.unwatch();
    this.entries.clear();
  }
}
