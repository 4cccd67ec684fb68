import type { Redis } from 'ioredis';

/** One change to this server's member set. */
export type MemberOp = { kind: 'sadd' | 'srem'; entry: string } | { kind: 'del' };

/** A change as the feed carries it: a(dd) with l(ocality), r(emove), g(one: all dropped). */
export interface FeedChange {
  o: 'a' | 'r' | 'g';
  s?: string | undefined;
  p?: string | undefined;
  l?: string | undefined;
}

export interface MemberWriterOptions {
  client: Redis;
  /** This server's member set. */
  membersKey: string;
  feed: string;
  nodeId: string;
  onError: (err: unknown) => void;
}

/**
 * Writes a server's membership changes through to Redis, batched: the changes of one
 * event-loop turn go out as one MULTI (runs of SADD / SREM in order, then one PUBLISH of the
 * whole batch, `{ n, by, c: [...] }`), so a burst of joins costs a few commands, not a
 * transaction each, and a replica never sees a change before the set holds it.
 */
export class MemberWriter {
  private ops: MemberOp[] = [];
  private changes: FeedChange[] = [];
  private scheduled = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: MemberWriterOptions) {}

  push(op: MemberOp, change: FeedChange): void {
    this.ops.push(op);
    this.changes.push(change);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.send();
    });
  }

  /** Sends what is queued now and settles once everything sent so far reached Redis. */
  async flush(): Promise<void> {
    this.send();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private send(): void {
    this.scheduled = false;
    if (this.ops.length === 0) return;
    const { ops, changes } = this;
    this.ops = [];
    this.changes = [];
    const m = this.o.client.multi();
    for (let i = 0; i < ops.length;) {
      const op = ops[i];
      if (op === undefined) break;
      if (op.kind === 'del') {
        m.del(this.o.membersKey);
        i++;
        continue;
      }
      const run: string[] = [];
      for (let next = ops[i]; next?.kind === op.kind; next = ops[++i]) run.push(next.entry);
      if (op.kind === 'sadd') m.sadd(this.o.membersKey, ...run);
      else m.srem(this.o.membersKey, ...run);
    }
    m.publish(this.o.feed, JSON.stringify({ n: this.o.nodeId, by: this.o.nodeId, c: changes }));
    const done = m
      .exec()
      .then(
        (results) => {
          const failed = results?.find(([err]) => err !== null);
          if (failed) this.o.onError(failed[0]);
        },
        (err: unknown) => {
          this.o.onError(err);
        },
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
