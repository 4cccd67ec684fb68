import { el } from '../api.js';
import type { AdminApi, AdminChannel } from './admin-api.js';

/** One screen of the admin page, mounted into the page's view box. */
export interface View {
  /** Stops its timers and requests; idempotent. */
  destroy(): void;
}

/** What every view gets from the page shell. */
export interface AdminContext {
  readonly api: AdminApi;
  /** Shows a message above the view until the next navigation. */
  notify(text: string, kind?: 'info' | 'error'): void;
  /**
   * Goes to a route, e.g. `#channel/demo` (`#` is the channel list), and shows `message`
   * above it.
   */
  go(hash: string, message?: string): void;
}

/** Runs `task` now and then `intervalMs` after each run ends, until the returned stop. */
export function poll(task: () => Promise<void>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    await task().catch(() => undefined);
    if (!stopped) timer = setTimeout(() => void run(), intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The hash route of a channel's detail view (ids are slugs, encoded anyway). */
export const channelRoute = (id: string): string => `#channel/${encodeURIComponent(id)}`;
export const editRoute = (id: string): string => `#edit/${encodeURIComponent(id)}`;
export const watchUrl = (id: string): string => `/watch/${encodeURIComponent(id)}`;

/** The on-air and P2P badges of a channel. */
export function channelBadges(channel: AdminChannel): HTMLElement[] {
  return [
    el('span', channel.enabled ? 'on air' : 'off air', {
      className: `badge ${channel.enabled ? 'ok' : 'off'}`,
    }),
    el('span', channel.p2pEnabled ? 'P2P' : 'CDN only', {
      className: `badge ${channel.p2pEnabled ? 'p2p' : 'off'}`,
    }),
  ];
}
