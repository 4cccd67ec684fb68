import type { ChannelQoe } from '@meshcast/client/signaling';
import { el } from '../api.js';
import { AdminApiError } from './admin-api.js';
import { fmt } from './format.js';
import { QoeCharts } from './qoe-charts.js';
import { channelBadges, editRoute, poll, watchUrl, type AdminContext, type View } from './view.js';

/** How often the detail view refreshes its figures and charts, ms. */
export const DETAIL_REFRESH_MS = 5000;

/** One channel: its current figures and live charts of its history, refreshing by itself. */
export function mountChannelDetailView(root: HTMLElement, ctx: AdminContext, id: string): View {
  const title = el('h1', id, { id: 'channel-title' });
  const badges = el('span', undefined, { className: 'badges' });
  const source = el('p', undefined, { className: 'muted source' });
  const links = el('div', undefined, { className: 'toolbar-links' });
  links.append(
    el('a', 'Watch', { href: watchUrl(id), target: '_blank', className: 'button', id: 'watch' }),
    el('a', 'Edit', { href: editRoute(id), className: 'button', id: 'edit' }),
    el('a', 'All channels', { href: '#', className: 'button' }),
  );
  const header = el('div', undefined, { className: 'toolbar' });
  const heading = el('div');
  heading.append(title, badges);
  header.append(heading, links);
  const figures = el('dl', undefined, { className: 'figures', id: 'figures' });
  const status = el('p', 'Loading…', { className: 'muted', id: 'detail-status' });
  const chartBox = el('section', undefined, { className: 'chart-box' });
  root.replaceChildren(header, source, figures, status, chartBox);
  const charts = new QoeCharts(chartBox);

  let stopped = false;
  const refresh = async (): Promise<void> => {
    try {
      const [channel, stats] = await Promise.all([ctx.api.getChannel(id), ctx.api.stats(id)]);
      if (stopped) return;
      title.textContent = channel.name;
      document.title = `${channel.name} — meshcast admin`;
      badges.replaceChildren(...channelBadges(channel));
      source.textContent = `${channel.id} · ${channel.sourceUrl}`;
      renderFigures(figures, stats.current);
      charts.update(stats);
      status.textContent = `Updated ${fmt.time(new Date())} · one history point every ${
        stats.history.intervalMs / 1000
      } s`;
    } catch (err) {
      if (stopped) return;
      status.textContent =
        err instanceof AdminApiError && err.status === 404
          ? `There is no channel “${id}” (any more).`
          : `Could not load the figures: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const stop = poll(refresh, DETAIL_REFRESH_MS);
  return {
    destroy() {
      stopped = true;
      stop();
      charts.destroy();
      document.title = 'meshcast admin';
    },
  };
}

function renderFigures(dl: HTMLDListElement, q: ChannelQoe): void {
  const renditions = Object.entries(q.renditions)
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ');
  const rows: [string, string, string][] = [
    ['viewers', 'Viewers', String(q.viewers)],
    ['renditions', 'Renditions', renditions || '—'],
    ['offload', 'Offload', fmt.percent(q.offload)],
    ['continuity', 'Continuity index', fmt.index(q.continuityIndex)],
    ['rebuffer', 'Rebuffer ratio', fmt.percent(q.rebufferRatio)],
    ['startup', 'Startup p50', fmt.ms(q.startupMsP50)],
    ['startup-p95', 'Startup p95', fmt.ms(q.startupMsP95)],
    ['latency', 'Latency p50', fmt.sec(q.latencySecP50)],
    ['peers', 'Peers per viewer', fmt.number(q.peersPerViewer)],
    ['cdn', 'CDN', fmt.kbps(q.cdnBytesPerSec)],
    ['p2p', 'P2P', fmt.kbps(q.p2pBytesPerSec)],
  ];
  dl.replaceChildren(
    ...rows.map(([key, label, value]) => {
      const box = el('div', undefined, { className: `figure figure-${key}` });
      box.append(el('dt', label), el('dd', value));
      return box;
    }),
  );
}
