/**
 * The virtual clock and its event queue. Event times are whole milliseconds: every event of
 * one millisecond runs in one batch, then the microtask queue is drained (the session works
 * with promises and queueMicrotask) before the clock moves on. A batch costs one macrotask
 * turn, so the number of turns is bounded by simulated milliseconds, not by events.
 */

/** A cancellable timer, as the injected `setTimeout` returns it. */
export interface TimerHandle {
  cancelled: boolean;
}

type Task = () => void;

/** Binary min-heap of numbers (the distinct pending event times). */
class TimeHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  push(value: number): void {
    const a = this.items;
    let i = a.length;
    a.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent]!;
      if (p <= value) break;
      a[i] = p;
      i = parent;
    }
    a[i] = value;
  }

  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]! < a[l]! ? r : l;
      if (a[c]! >= last) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

const drainMicrotasks = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

export class EventQueue {
  /** Virtual time, ms. */
  now = 0;
  /** Events run so far. */
  events = 0;
  /** Batches (distinct milliseconds) run so far. */
  batches = 0;
  private readonly buckets = new Map<number, Task[]>();
  private readonly times = new TimeHeap();

  /** Runs `task` at virtual time `at` (rounded up to the ms, never before now). */
  at(at: number, task: Task): void {
    const t = Math.max(this.now, Math.ceil(at));
    let bucket = this.buckets.get(t);
    if (!bucket) {
      bucket = [];
      this.buckets.set(t, bucket);
      this.times.push(t);
    }
    bucket.push(task);
  }

  /** Runs `task` after `ms`. */
  after(ms: number, task: Task): void {
    this.at(this.now + ms, task);
  }

  /** A `setTimeout` on the virtual clock (lazy cancellation). */
  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    const handle: TimerHandle = { cancelled: false };
    this.after(ms, () => {
      if (!handle.cancelled) fn();
    });
    return handle;
  };

  clearTimeout = (handle: unknown): void => {
    if (handle && typeof handle === 'object') (handle as TimerHandle).cancelled = true;
  };

  /** Runs events up to virtual time `until` (inclusive), draining microtasks after each ms. */
  async run(until: number): Promise<void> {
    for (;;) {
      const t = this.times.peek();
      if (t === undefined || t > until) break;
      this.times.pop();
      const bucket = this.buckets.get(t);
      this.buckets.delete(t);
      this.now = t;
      if (bucket) {
        this.events += bucket.length;
        for (const task of bucket) task();
      }
      this.batches++;
      await drainMicrotasks();
    }
    this.now = Math.max(this.now, until);
  }
}
