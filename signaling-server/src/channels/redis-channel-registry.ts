import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Channel } from './channel.js';
import {
  applyPatch,
  ChannelRegistryError,
  validChannel,
  type ChannelChange,
  type ChannelPatch,
  type ChannelRegistry,
} from './channel-registry.js';
import { channelSchema } from './channel-schema.js';
import { ChannelWatchers } from './channel-watchers.js';

export interface RedisChannelRegistryOptions {
  /** `redis://[:password@]host:port[/db]`. */
  url: string;
  /** Channels written when the store is new (never again, even if deleted). */
  seed: readonly Channel[];
  /** Prefix of every key and of the change feed. @default 'meshcast:' */
  keyPrefix?: string;
  /** How long the first connection may take before start fails. @default 5000 */
  connectTimeoutMs?: number;
  /** Connection problems after start (the client reconnects by itself). @default ignored */
  onError?: (err: Error) => void;
  /** Where a throwing watcher's error goes. @default rethrown in a microtask */
  onListenerError?: (err: unknown) => void;
}

// Compare-and-set: write ARGV[3] only if the field still holds ARGV[2] (1), else 0, or -1 if gone.
const CAS = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;
const TAKE = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then redis.call('HDEL', KEYS[1], ARGV[1]) end
return cur`;

const changeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), id: z.string(), after: channelSchema }),
  z.object({
    kind: z.literal('updated'),
    id: z.string(),
    before: channelSchema,
    after: channelSchema,
  }),
  z.object({ kind: z.literal('deleted'), id: z.string(), before: channelSchema }),
]) satisfies z.ZodType<ChannelChange>;

/**
 * Channels in Redis: one hash (id -> JSON). Several servers share it; every write is
 * published on a change feed, so watchers in each server hear every server's writes.
 * Updates are compare-and-set (retried), so concurrent admins never lose a field silently.
 */
export class RedisChannelRegistry implements ChannelRegistry {
  private readonly watchers: ChannelWatchers;
  private readonly hash: string;
  private readonly feed: string;
  private destroying: Promise<void> | undefined;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    keyPrefix: string,
    onListenerError?: (err: unknown) => void,
  ) {
    this.hash = `${keyPrefix}channels`;
    this.feed = `${keyPrefix}channel-changes`;
    this.watchers = new ChannelWatchers(onListenerError);
    subscriber.on('message', (feed: string, message: string) => {
      if (feed !== this.feed) return;
      let parsed;
      try {
        parsed = changeSchema.safeParse(JSON.parse(message));
      } catch {
        return;
      }
      if (parsed.success) this.watchers.emit(parsed.data);
    });
  }

  /** Connects (failing with a `store` error naming REDIS_URL), subscribes and seeds. */
  static async open(options: RedisChannelRegistryOptions): Promise<RedisChannelRegistry> {
    const { url, seed, keyPrefix = 'meshcast:', connectTimeoutMs = 5000, onError } = options;
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    const subscriber = client.duplicate();
    for (const c of [client, subscriber]) c.on('error', (err: Error) => onError?.(err));
    try {
      await withTimeout(
        Promise.all([client.connect(), subscriber.connect()]),
        connectTimeoutMs,
        'connect',
      );
    } catch (err) {
      client.disconnect();
      subscriber.disconnect();
      throw new ChannelRegistryError('store', `cannot reach Redis at REDIS_URL (${redact(url)})`, {
        cause: err,
      });
    }
    const registry = new RedisChannelRegistry(
      client,
      subscriber,
      keyPrefix,
      options.onListenerError,
    );
    await subscriber.subscribe(registry.feed);
    if ((await client.set(`${keyPrefix}seeded`, new Date().toISOString(), 'NX')) === 'OK') {
      for (const c of seed)
        await client.hsetnx(registry.hash, c.id, JSON.stringify(validChannel(c)));
    }
    return registry;
  }

  async list(): Promise<Channel[]> {
    const all = await this.store(() => this.client.hvals(this.hash));
    return all.map(parse).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async get(id: string): Promise<Channel | undefined> {
    const data = await this.store(() => this.client.hget(this.hash, id));
    return data === null ? undefined : parse(data);
  }

  async create(channel: Channel): Promise<Channel> {
    const after = validChannel(channel);
    const added = await this.store(() =>
      this.client.hsetnx(this.hash, after.id, JSON.stringify(after)),
    );
    if (added === 0) throw new ChannelRegistryError('exists', `channel '${after.id}' exists`);
    await this.publish({ kind: 'created', id: after.id, after });
    return after;
  }

  async update(id: string, patch: ChannelPatch): Promise<Channel | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.store(() => this.client.hget(this.hash, id));
      if (current === null) return undefined;
      const before = parse(current);
      const after = applyPatch(before, patch);
      const next = JSON.stringify(after);
      const result = await this.store(() => this.client.eval(CAS, 1, this.hash, id, current, next));
      if (result === -1) return undefined;
      if (result === 1) {
        await this.publish({ kind: 'updated', id, before, after });
        return after;
      }
    }
    throw new ChannelRegistryError('store', `channel '${id}' keeps changing; try again`);
  }

  async delete(id: string): Promise<boolean> {
    const taken = await this.store(() => this.client.eval(TAKE, 1, this.hash, id));
    if (typeof taken !== 'string') return false;
    await this.publish({ kind: 'deleted', id, before: parse(taken) });
    return true;
  }

  watch(listener: (change: ChannelChange) => void): () => void {
    return this.watchers.add(listener);
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.watchers.clear();
      await Promise.allSettled([this.subscriber.quit(), this.client.quit()]);
      this.subscriber.disconnect();
      this.client.disconnect();
    })();
    return this.destroying;
  }

  private async publish(change: ChannelChange): Promise<void> {
    await this.store(() => this.client.publish(this.feed, JSON.stringify(change)));
  }

  /** Runs a Redis command; failures become `store` errors. */
  private async store<T>(fn: () => Promise<T>): Promise<T> {
    if (this.destroying) throw new ChannelRegistryError('store', 'the channel registry is closed');
    try {
      return await fn();
    } catch (err) {
      throw new ChannelRegistryError('store', 'Redis failure', { cause: err });
    }
  }
}

function parse(data: string): Channel {
  return channelSchema.parse(JSON.parse(data));
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'unparsable URL';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
