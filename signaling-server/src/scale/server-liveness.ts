import type { Redis } from 'ioredis';

export interface ServerLivenessOptions {
  client: Redis;
  /** The directory's subscriber connection: this server's presence channel rides on it. */
  subscriber: Redis;
  nodeId: string;
  keyPrefix: string;
  /** See `RedisSwarmDirectoryConfig.nodeTtlMs`. */
  nodeTtlMs: number;
  /** See `RedisSwarmDirectoryConfig.presenceCheckMs`; 0 turns presence checks off. */
  presenceCheckMs: number;
  /** The change feed, where a dropped server is announced. */
  feed: string;
  /** The key of a server's member set. */
  membersKey: (node: string) => string;
  now: () => number;
  onError: (err: unknown) => void;
  /** Our registration had vanished (swept by mistake, Redis restarted empty): re-announce. */
  onReregistered: () => void;
  /** We dropped a dead server (its set deleted, "gone" published): forget its members. */
  onDropped: (node: string) => void;
}

/**
 * Which servers are alive, for {@link RedisSwarmDirectory}. Two signals:
 * - heartbeats: a sorted set of deadlines, refreshed every third of `nodeTtlMs`; a server
 *   past its deadline (hung, cut off) is dropped by whoever removes it first;
 * - presence: each server subscribes to a channel of its own; a process that died has its
 *   connections closed by the kernel, so Redis counts no subscriber on its channel at once.
 *   Two checks in a row without one drop the server within about `2 × presenceCheckMs`,
 *   long before its deadline. A server dropped by mistake (its subscriber reconnecting)
 *   sees its registration gone at its next heartbeat and re-announces its members.
 */
export class ServerLiveness {
  private readonly nodes: string;
  private readonly suspects = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private stopped = false;

  constructor(private readonly o: ServerLivenessOptions) {
    this.nodes = `${o.keyPrefix}swarm-nodes`;
  }

  /** Subscribes the presence channel, registers (first heartbeat) and starts the timers. */
  async start(): Promise<void> {
    await this.o.subscriber.subscribe(this.presence(this.o.nodeId));
    await this.heartbeat();
    this.started = true;
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => {
        fn().catch(this.o.onError);
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(1, Math.floor(this.o.nodeTtlMs / 3)), async () => {
      await this.heartbeat();
      await this.sweep();
    });
    if (this.o.presenceCheckMs > 0) every(this.o.presenceCheckMs, () => this.checkPresence());
  }

  /** Ids of the servers whose heartbeat is current, this one included. */
  servers(): Promise<string[]> {
    return this.o.client.zrangebyscore(this.nodes, this.o.now(), '+inf');
  }

  /** Stops the timers and leaves the server set; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.o.client.zrem(this.nodes, this.o.nodeId).catch(this.o.onError);
    await this.o.subscriber.unsubscribe(this.presence(this.o.nodeId)).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    const { client, nodeId, nodeTtlMs } = this.o;
    const added = await client.zadd(this.nodes, this.o.now() + nodeTtlMs, nodeId);
    // Our entries outlive us by a little if we die without a sweep by anyone.
    await client.pexpire(this.o.membersKey(nodeId), 3 * nodeTtlMs);
    if (added === 1 && this.started && !this.stopped) this.o.onReregistered();
  }

  /** Drops servers whose heartbeat deadline passed. */
  private async sweep(): Promise<void> {
    const dead = await this.o.client.zrangebyscore(this.nodes, '-inf', this.o.now());
    for (const node of dead) if (node !== this.o.nodeId) await this.drop(node);
  }

  /** Drops servers whose presence channel had no subscriber twice in a row. */
  private async checkPresence(): Promise<void> {
    const others = (await this.servers()).filter((n) => n !== this.o.nodeId);
    if (others.length === 0) return;
    const reply = await this.o.client.call(
      'PUBSUB',
      'NUMSUB',
      ...others.map((n) => this.presence(n)),
    );
    const counts = Array.isArray(reply) ? reply : [];
    for (const [i, node] of others.entries()) {
      if (Number(counts[2 * i + 1]) > 0) {
        this.suspects.delete(node);
        continue;
      }
      const misses = (this.suspects.get(node) ?? 0) + 1;
      this.suspects.set(node, misses);
      if (misses >= 2) {
        this.suspects.delete(node);
        await this.drop(node);
      }
    }
  }

  /** Whoever removes a server from the set first deletes its members and tells everyone. */
  private async drop(node: string): Promise<void> {
    if (this.stopped || (await this.o.client.zrem(this.nodes, node)) !== 1) return;
    await this.o.client
      .multi()
      .del(this.o.membersKey(node))
      .publish(this.o.feed, JSON.stringify({ n: node, o: 'g', by: this.o.nodeId }))
      .exec();
    this.o.onDropped(node);
  }

  private presence(node: string): string {
    return `${this.o.keyPrefix}swarm-node:${node}`;
  }
}
