import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { SwarmDirectory, SwarmRegistryStats } from '../signaling/swarm-directory.js';
import { SwarmRegistry } from '../signaling/swarm-registry.js';
import { MemberWriter, type FeedChange } from './member-writer.js';
import { OwnMembers } from './own-members.js';
import { ServerLiveness } from './server-liveness.js';

/** Settings of the shared swarm directory. */
export interface RedisSwarmDirectoryConfig {
  /**
   * How long a server that stopped heartbeating (crashed, cut off) keeps its members in the
   * other servers' swarms; it heartbeats every third of this. @default 10000
   */
  nodeTtlMs: number;
  /**
   * How often each server checks that the others' processes are alive (a Redis subscriber on
   * their presence channel); a crashed one is dropped after two failed checks. 0 leaves only
   * the heartbeat deadline. @default 1000
   */
  presenceCheckMs: number;
  /** Prefix of every key and of the change feed. @default 'meshcast:' */
  keyPrefix: string;
}

export const DEFAULT_REDIS_SWARM_DIRECTORY_CONFIG: RedisSwarmDirectoryConfig = {
  nodeTtlMs: 10_000,
  presenceCheckMs: 1000,
  keyPrefix: 'meshcast:',
};

export interface RedisSwarmDirectoryOptions {
  /** For commands; shared with other parts is fine. */
  client: Redis;
  /** Put in subscriber mode: a connection of its own. */
  subscriber: Redis;
  config?: Partial<RedisSwarmDirectoryConfig>;
  /** This server's id among the servers. @default a random UUID */
  nodeId?: string;
  /** Uniform in [0, 1), for neighbour sampling. @default Math.random */
  random?: () => number;
  /** See `SwarmRegistry`: share of neighbour lists drawn from the whole swarm. @default 0.25 */
  localityRandomShare?: number;
  /** Wall clock shared by the servers (heartbeat deadlines), ms. @default Date.now */
  now?: () => number;
  /** Redis failures after start (writes, heartbeats). @default ignored */
  onError?: (err: unknown) => void;
}

/** Thrown for a bad configuration. */
export class SwarmDirectoryConfigError extends Error {
  readonly type = 'swarm-directory-config' as const;
}

// a: add (l: locality), r: remove, g: server n gone (its members dropped; `by` who said so).
const feedChangeSchema = z.object({
  o: z.enum(['a', 'r', 'g']),
  s: z.string().optional(),
  p: z.string().optional(),
  l: z.string().optional(),
});
// A server's batch (`c`), or one change (a sweep's "gone").
const messageSchema = z.union([
  z.object({ n: z.string(), by: z.string().optional(), c: z.array(feedChangeSchema) }),
  feedChangeSchema.extend({ n: z.string(), by: z.string().optional() }),
]);
type Change = FeedChange & { n: string; by?: string | undefined };

/**
 * Swarm membership shared by every server on one Redis. Each server keeps a replica of all
 * members in memory, so reads (`has` on every relayed signal, `neighbours` on join) cost no
 * I/O; its own changes are applied at once and written through: a set of `swarm peer`
 * entries per server plus a change on a pub/sub feed that the other replicas apply.
 * Servers heartbeat in a sorted set; when one misses its deadline, whoever sweeps first
 * deletes its entries and tells everyone, so a crashed server's viewers leave the swarms
 * within `nodeTtlMs`. A replica reloads from Redis after its subscription reconnects.
 */
export class RedisSwarmDirectory implements SwarmDirectory {
  readonly config: RedisSwarmDirectoryConfig;
  readonly nodeId: string;
  private all: SwarmRegistry;
  private readonly own = new OwnMembers();
  /** `swarm peer` -> the entry stored in Redis (with the locality). */
  private readonly ownEntries = new Map<string, string>();
  /** Remote server -> its peers in the replica. */
  private readonly owners = new Map<string, Set<string>>();
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly random: () => number;
  private readonly localityRandomShare: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly keys: { feed: string };
  private readonly writer: MemberWriter;
  private buffer: Change[] | undefined;
  private resyncing: Promise<void> | undefined;
  private readonly liveness: ServerLiveness;
  private started = false;
  private destroying: Promise<void> | undefined;

  private constructor(options: RedisSwarmDirectoryOptions) {
    this.config = mergeConfig(options.config);
    this.nodeId = options.nodeId ?? randomUUID();
    this.client = options.client;
    this.subscriber = options.subscriber;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
    this.localityRandomShare = options.localityRandomShare ?? 0.25;
    this.all = new SwarmRegistry(this.random, this.localityRandomShare);
    const p = this.config.keyPrefix;
    this.keys = { feed: `${p}swarm-changes` };
    this.writer = new MemberWriter({
      client: this.client,
      membersKey: this.membersKey(this.nodeId),
      feed: this.keys.feed,
      nodeId: this.nodeId,
      onError: this.onError,
    });
    this.liveness = new ServerLiveness({
      client: this.client,
      subscriber: this.subscriber,
      nodeId: this.nodeId,
      keyPrefix: p,
      nodeTtlMs: this.config.nodeTtlMs,
      presenceCheckMs: this.config.presenceCheckMs,
      feed: this.keys.feed,
      membersKey: (node) => this.membersKey(node),
      now: this.now,
      onError: this.onError,
      onReregistered: () => {
        if (!this.destroying) this.reannounce();
      },
      onDropped: (node) => {
        this.apply({ n: node, o: 'g', by: this.nodeId });
      },
    });
  }

  /** Subscribes, registers this server, loads every server's members and starts heartbeats. */
  static async open(options: RedisSwarmDirectoryOptions): Promise<RedisSwarmDirectory> {
    const directory = new RedisSwarmDirectory(options);
    await directory.start();
    return directory;
  }

  add(swarmId: string, peer: string, locality?: string): boolean {
    if (this.destroying || !this.own.add(swarmId, peer)) return false;
    const entry = toEntry(swarmId, peer, locality);
    this.all.add(swarmId, peer, locality);
    this.ownEntries.set(`${swarmId} ${peer}`, entry);
    this.announce(entry);
    return true;
  }

  remove(swarmId: string, peer: string): boolean {
    if (!this.own.remove(swarmId, peer)) return false;
    this.all.remove(swarmId, peer);
    const key = `${swarmId} ${peer}`;
    const entry = this.ownEntries.get(key) ?? key;
    this.ownEntries.delete(key);
    this.writer.push({ kind: 'srem', entry }, { o: 'r', s: swarmId, p: peer });
    return true;
  }

  removeAll(peer: string): string[] {
    const left = this.own.swarmsOf(peer);
    for (const swarmId of left) this.remove(swarmId, peer);
    return left;
  }

  has(swarmId: string, peer: string): boolean {
    return this.all.has(swarmId, peer);
  }

  swarmsOf(peer: string): string[] {
    return this.all.swarmsOf(peer);
  }

  size(swarmId: string): number {
    return this.all.size(swarmId);
  }

  neighbours(
    swarmId: string,
    self: string,
    count: number,
    exclude?: Iterable<string>,
    locality?: string,
  ): string[] {
    return locality === undefined
      ? this.all.neighbours(swarmId, self, count, exclude)
      : this.all.neighbours(swarmId, self, count, exclude, locality);
  }

  /** This server's own members. */
  stats(): SwarmRegistryStats {
    return this.own.stats();
  }

  /** Every server's members, as this replica sees them. */
  clusterStats(): SwarmRegistryStats & { servers: number } {
    return { ...this.all.stats(), servers: this.owners.size + 1 };
  }

  /** Ids of the servers whose heartbeat is current, this one included. */
  servers(): Promise<string[]> {
    return this.liveness.servers();
  }

  /** Drops this server's members here and in Redis (the others hear it). */
  clear(): void {
    for (const key of this.ownEntries.keys()) {
      const [swarmId = '', peer = ''] = key.split(' ');
      this.all.remove(swarmId, peer);
    }
    this.ownEntries.clear();
    this.own.clear();
    this.writer.push({ kind: 'del' }, { o: 'g' });
  }

  /** Settles once every write so far reached Redis (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Clears this server's members, leaves the server set and stops; safe to call twice. */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.subscriber.off('message', this.onMessage);
      this.subscriber.off('ready', this.onReady);
      this.clear();
      await this.liveness.stop();
      await this.flush();
      await this.subscriber.unsubscribe(this.keys.feed).catch(() => undefined);
    })();
    return this.destroying;
  }

  private async start(): Promise<void> {
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.keys.feed);
    await this.liveness.start();
    await this.resync();
    this.started = true;
    // ioredis re-subscribes by itself after a reconnect; what was said meanwhile is lost.
    this.subscriber.on('ready', this.onReady);
  }

  private readonly onReady = (): void => {
    if (this.started && !this.destroying) void this.resync().catch(this.onError);
  };

  private readonly onMessage = (feed: string, message: string): void => {
    if (feed !== this.keys.feed || this.destroying) return;
    let parsed;
    try {
      parsed = messageSchema.safeParse(JSON.parse(message));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const m = parsed.data;
    const changes: Change[] = 'c' in m ? m.c.map((c) => ({ ...c, n: m.n, by: m.by })) : [m];
    if (this.buffer) this.buffer.push(...changes);
    else for (const change of changes) this.apply(change);
  };

  private apply({ n, o, s, p, l, by }: Change): void {
    if (n === this.nodeId) {
      // Another server swept us (we looked dead): put our members back.
      if (o === 'g' && by !== undefined && by !== this.nodeId) this.reannounce();
      return;
    }
    if (o === 'g') {
      for (const peer of this.owners.get(n) ?? []) this.all.removeAll(peer);
      this.owners.delete(n);
      return;
    }
    if (s === undefined || p === undefined) return;
    if (o === 'a') {
      this.all.add(s, p, l);
      let peers = this.owners.get(n);
      if (!peers) this.owners.set(n, (peers = new Set()));
      peers.add(p);
    } else {
      this.all.remove(s, p);
      if (this.all.swarmsOf(p).length === 0) this.owners.get(n)?.delete(p);
    }
  }

  /** Rebuilds the replica from Redis; changes heard meanwhile are applied after. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      const buffer: Change[] = [];
      this.buffer = buffer;
      try {
        const nodes = await this.liveness.servers();
        const remote = nodes.filter((n) => n !== this.nodeId);
        const lists = await Promise.all(
          remote.map((n) => this.client.smembers(this.membersKey(n))),
        );
        const all = new SwarmRegistry(this.random, this.localityRandomShare);
        for (const entry of this.ownEntries.values()) addEntry(all, entry);
        this.owners.clear();
        remote.forEach((node, i) => {
          const peers = new Set<string>();
          for (const entry of lists[i] ?? []) {
            const peer = addEntry(all, entry);
            if (peer !== undefined) peers.add(peer);
          }
          this.owners.set(node, peers);
        });
        this.all = all;
      } finally {
        this.buffer = undefined;
        this.resyncing = undefined;
        for (const change of buffer) this.apply(change);
      }
    })();
    return this.resyncing;
  }

  private reannounce(): void {
    for (const entry of this.ownEntries.values()) this.announce(entry);
  }

  private announce(entry: string): void {
    const [s, p, l] = entry.split(' ');
    this.writer.push({ kind: 'sadd', entry }, { o: 'a', s, p, l });
  }

  private membersKey(node: string): string {
    return `${this.config.keyPrefix}swarm-members:${node}`;
  }
}

/** `swarm peer [locality]`: no part holds a space (ids and locality keys are restricted). */
function toEntry(swarmId: string, peer: string, locality: string | undefined): string {
  return locality === undefined ? `${swarmId} ${peer}` : `${swarmId} ${peer} ${locality}`;
}

/** Adds an entry to `registry`; the peer, or undefined for a malformed entry. */
function addEntry(registry: SwarmRegistry, entry: string): string | undefined {
  const [swarmId, peer, locality] = entry.split(' ');
  if (!swarmId || !peer) return undefined;
  registry.add(swarmId, peer, locality);
  return peer;
}

function mergeConfig(partial: Partial<RedisSwarmDirectoryConfig> = {}): RedisSwarmDirectoryConfig {
  const config = { ...DEFAULT_REDIS_SWARM_DIRECTORY_CONFIG, ...partial };
  if (!Number.isInteger(config.nodeTtlMs) || config.nodeTtlMs < 300) {
    throw new SwarmDirectoryConfigError(
      `nodeTtlMs must be an integer >= 300, got ${config.nodeTtlMs}`,
    );
  }
  if (!Number.isInteger(config.presenceCheckMs) || config.presenceCheckMs < 0) {
    throw new SwarmDirectoryConfigError(
      `presenceCheckMs must be an integer >= 0, got ${config.presenceCheckMs}`,
    );
  }
  if (typeof config.keyPrefix !== 'string') {
    throw new SwarmDirectoryConfigError('keyPrefix must be a string');
  }
  return config;
}
