import type { ChannelQoe } from '@meshcast/client/signaling';
import { el } from '../api.js';
import { AdminApiError, type AdminChannel } from './admin-api.js';
import { fmt } from './format.js';
import {
  channelBadges,
  channelRoute,
  editRoute,
  poll,
  watchUrl,
  type AdminContext,
  type View,
} from './view.js';

/** How often the list and its live figures refresh, ms. */
export const LIST_REFRESH_MS = 5000;

interface Row {
  tr: HTMLTableRowElement;
  name: HTMLAnchorElement;
  badges: HTMLTableCellElement;
  viewers: HTMLTableCellElement;
  offload: HTMLTableCellElement;
  continuity: HTMLTableCellElement;
  channel: AdminChannel;
}

/** Every channel with its live figures (refreshing by itself), and create/edit/delete. */
export function mountChannelListView(root: HTMLElement, ctx: AdminContext): View {
  const tbody = el('tbody');
  const table = el('table', undefined, { className: 'channel-table', id: 'channel-table' });
  const head = el('tr');
  for (const h of ['Channel', 'Status', 'Viewers', 'Offload', 'Continuity', '']) {
    const numeric = ['Viewers', 'Offload', 'Continuity'].includes(h);
    head.append(el('th', h, { scope: 'col', className: numeric ? 'num' : '' }));
  }
  table.append(el('thead'), tbody);
  table.tHead?.append(head);
  const updated = el('p', 'Loading channels…', { className: 'muted', id: 'list-status' });
  const toolbar = el('div', undefined, { className: 'toolbar' });
  toolbar.append(
    el('h1', 'Channels'),
    el('a', 'New channel', { href: '#new', className: 'button primary', id: 'new-channel' }),
  );
  root.replaceChildren(toolbar, table, updated);

  const rows = new Map<string, Row>();

  const refresh = async (): Promise<void> => {
    let channels: AdminChannel[];
    try {
      channels = await ctx.api.listChannels();
    } catch (err) {
      updated.textContent = `Could not load the channels: ${message(err)}`;
      return;
    }
    const stats = await Promise.allSettled(channels.map((c) => ctx.api.stats(c.id)));
    if (stopped) return;
    const seen = new Set<string>();
    channels.forEach((channel, i) => {
      seen.add(channel.id);
      const row = rows.get(channel.id) ?? addRow(channel);
      const result = stats[i];
      update(row, channel, result?.status === 'fulfilled' ? result.value.current : undefined);
      tbody.append(row.tr); // keeps the server's order
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        rows.delete(id);
      }
    }
    updated.textContent =
      channels.length === 0
        ? 'No channels yet: create one.'
        : `${channels.length} channel${channels.length === 1 ? '' : 's'} · updated ${fmt.time(new Date())}`;
  };

  function addRow(channel: AdminChannel): Row {
    const tr = el('tr');
    tr.dataset.channel = channel.id;
    const name = el('a', channel.name, { href: channelRoute(channel.id), className: 'name' });
    const first = el('td');
    first.append(name, el('div', channel.id, { className: 'muted id' }));
    const cells = {
      badges: el('td', undefined, { className: 'badges' }),
      viewers: el('td', '—', { className: 'num viewers' }),
      offload: el('td', '—', { className: 'num offload' }),
      continuity: el('td', '—', { className: 'num continuity' }),
    };
    const actions = el('td', undefined, { className: 'row-actions' });
    const del = el('button', 'Delete', { type: 'button', className: 'danger delete' });
    actions.append(
      el('a', 'Watch', { href: watchUrl(channel.id), target: '_blank', className: 'watch' }),
      el('a', 'Details', { href: channelRoute(channel.id), className: 'details' }),
      el('a', 'Edit', { href: editRoute(channel.id), className: 'edit' }),
      del,
    );
    tr.append(first, cells.badges, cells.viewers, cells.offload, cells.continuity, actions);
    const row: Row = { tr, name, channel, ...cells };
    del.addEventListener('click', () => void remove(row, del));
    rows.set(channel.id, row);
    return row;
  }

  async function remove(row: Row, button: HTMLButtonElement): Promise<void> {
    const { id, name } = row.channel;
    if (!confirm(`Delete channel “${name}” (${id})? Its viewers are told it was removed.`)) return;
    button.disabled = true;
    try {
      await ctx.api.deleteChannel(id);
      ctx.notify(`Deleted “${name}”.`, 'info');
      row.tr.remove();
      rows.delete(id);
    } catch (err) {
      ctx.notify(`Could not delete “${name}”: ${message(err)}`);
      button.disabled = false;
    }
  }

  let stopped = false;
  const stop = poll(refresh, LIST_REFRESH_MS);
  return {
    destroy() {
      stopped = true;
      stop();
    },
  };
}

function update(row: Row, channel: AdminChannel, qoe: ChannelQoe | undefined): void {
  row.channel = channel;
  row.name.textContent = channel.name;
  row.badges.replaceChildren(...channelBadges(channel));
  row.viewers.textContent = qoe ? String(qoe.viewers) : '—';
  row.offload.textContent = qoe ? fmt.percent(qoe.offload) : '—';
  row.continuity.textContent = qoe ? fmt.index(qoe.continuityIndex) : '—';
}

const message = (err: unknown): string =>
  err instanceof AdminApiError ? err.message : String(err);
