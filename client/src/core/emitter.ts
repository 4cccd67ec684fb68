/**
 * A small typed event emitter: one event map per emitter, so every `on`/`emit` is checked.
 * A listener that throws does not break the emitter or the other listeners: the error goes
 * to the `onListenerError` hook (by default rethrown asynchronously, where it is visible).
 *
 * @example
 * interface PingEvents { ping: (n: number) => void }
 * const e = new Emitter<PingEvents>();
 * e.on('ping', (n) => n + 1);
 */
export type EventMap<E> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener arguments vary per event
  [K in keyof E]: (...args: any[]) => void;
};

export class Emitter<E extends EventMap<E>> {
  private listeners = new Map<keyof E, Set<E[keyof E]>>();

  constructor(
    private readonly onListenerError: (err: unknown, event: keyof E) => void = (err) => {
      queueMicrotask(() => {
        throw err;
      });
    },
  ) {}

  on<K extends keyof E>(event: K, listener: E[K]): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapped = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapped);
      listener(...args);
    }) as E[K];
    return this.on(event, wrapped);
  }

  off<K extends keyof E>(event: K, listener: E[K]): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
