import type { Channel } from './channel.js';

/** Where channels live. One interface; stores (memory now, SQLite and Redis later) implement it. */
export interface ChannelRegistry {
  list(): Promise<Channel[]>;
  get(id: string): Promise<Channel | undefined>;
  /** Releases connections and files; safe to call twice. */
  destroy(): Promise<void>;
}

/** A registry held in memory, seeded with a fixed list. */
export class MemoryChannelRegistry implements ChannelRegistry {
  private readonly channels = new Map<string, Channel>();

  constructor(seed: readonly Channel[]) {
    for (const c of seed) this.channels.set(c.id, structuredClone(c));
  }

  list(): Promise<Channel[]> {
    return Promise.resolve([...this.channels.values()].map((c) => structuredClone(c)));
  }

  get(id: string): Promise<Channel | undefined> {
    const c = this.channels.get(id);
    return Promise.resolve(c && structuredClone(c));
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}
