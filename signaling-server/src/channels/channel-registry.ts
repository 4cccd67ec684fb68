import type { Channel } from './channel.js';
import { channelSchema, describeChannelIssues, type ChannelPatch } from './channel-schema.js';
import { ChannelWatchers } from './channel-watchers.js';

export type { ChannelPatch } from './channel-schema.js';

/** A write to the registry, as watchers see it (in every server sharing the store). */
export type ChannelChange =
  | { kind: 'created'; id: string; after: Channel }
  | { kind: 'updated'; id: string; before: Channel; after: Channel }
  | { kind: 'deleted'; id: string; before: Channel };

/** Thrown by registry writes: `exists` (create), `invalid` (a merged update), `store` (I/O). */
export class ChannelRegistryError extends Error {
  readonly type = 'channel-registry' as const;

  constructor(
    readonly code: 'exists' | 'invalid' | 'store',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ChannelRegistryError';
  }
}

/**
 * Where channels live. One interface, three stores: memory (tests), SQLite (the default) and
 * Redis (shared by several servers). Every method returns copies; writes validate the
 * channel (see channel-schema.ts) and notify watchers.
 */
export interface ChannelRegistry {
  /** Every channel, sorted by id. */
  list(): Promise<Channel[]>;
  get(id: string): Promise<Channel | undefined>;
  /** Adds a channel; throws ChannelRegistryError `exists` when the id is taken. */
  create(channel: Channel): Promise<Channel>;
  /** Changes some fields; undefined when there is no such channel. */
  update(id: string, patch: ChannelPatch): Promise<Channel | undefined>;
  /** Removes a channel; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Calls `listener` after every write (with Redis: every server's writes). Returns unwatch. */
  watch(listener: (change: ChannelChange) => void): () => void;
  /** Releases connections and files; safe to call twice. */
  destroy(): Promise<void>;
}

/** `channel` validated; throws ChannelRegistryError `invalid`. */
export function validChannel(channel: Channel): Channel {
  const parsed = channelSchema.safeParse(channel);
  if (!parsed.success) {
    const problems = describeChannelIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
    throw new ChannelRegistryError('invalid', `invalid channel: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** `channel` with `patch` applied, validated; throws ChannelRegistryError `invalid`. */
export function applyPatch(channel: Channel, patch: ChannelPatch): Channel {
  return validChannel({ ...channel, ...patch });
}

/** Runs `fn` in a microtask: what it throws becomes a rejection. */
const later = <T>(fn: () => T): Promise<T> => Promise.resolve().then(fn);

/** A registry held in memory, seeded with a fixed list (tests, bare signaling servers). */
export class MemoryChannelRegistry implements ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private readonly watchers = new ChannelWatchers();

  constructor(seed: readonly Channel[]) {
    for (const c of seed) this.channels.set(c.id, structuredClone(c));
  }

  list(): Promise<Channel[]> {
    return later(() =>
      [...this.channels.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((c) => structuredClone(c)),
    );
  }

  get(id: string): Promise<Channel | undefined> {
    return later(() => {
      const c = this.channels.get(id);
      return c && structuredClone(c);
    });
  }

  create(channel: Channel): Promise<Channel> {
    return later(() => {
      if (this.channels.has(channel.id)) {
        throw new ChannelRegistryError('exists', `channel '${channel.id}' exists`);
      }
      const after = validChannel(channel);
      this.channels.set(after.id, after);
      this.watchers.emit({ kind: 'created', id: after.id, after: structuredClone(after) });
      return structuredClone(after);
    });
  }

  update(id: string, patch: ChannelPatch): Promise<Channel | undefined> {
    return later(() => {
      const before = this.channels.get(id);
      if (!before) return undefined;
      const after = applyPatch(before, patch);
      this.channels.set(id, after);
      this.watchers.emit({ kind: 'updated', id, before, after: structuredClone(after) });
      return structuredClone(after);
    });
  }

  delete(id: string): Promise<boolean> {
    return later(() => {
      const before = this.channels.get(id);
      if (!before) return false;
      this.channels.delete(id);
      this.watchers.emit({ kind: 'deleted', id, before });
      return true;
    });
  }

  watch(listener: (change: ChannelChange) => void): () => void {
    return this.watchers.add(listener);
  }

  destroy(): Promise<void> {
    this.watchers.clear();
    return Promise.resolve();
  }
}
