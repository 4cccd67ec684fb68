import type { ChannelChange } from './channel-registry.js';

/**
 * The listeners of one registry. A listener that throws is reported to `onListenerError`
 * and does not stop the others (nor the write that caused the change).
 */
export class ChannelWatchers {
  private readonly listeners = new Set<(change: ChannelChange) => void>();

  /** @param onListenerError where a listener's exception goes. @default rethrown in a microtask */
  constructor(
    private readonly onListenerError: (err: unknown) => void = (err) => {
      queueMicrotask(() => {
        throw err;
      });
    },
  ) {}

  /** Adds a listener; returns a function that removes it. */
  add(listener: (change: ChannelChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(change: ChannelChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
