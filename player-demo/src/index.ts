import { el, listChannels } from './api.js';

const list = document.getElementById('channels') as HTMLUListElement;

async function render(): Promise<void> {
  try {
    const channels = await listChannels();
    list.replaceChildren();
    if (channels.length === 0) list.append(el('li', 'No channels yet.', { className: 'muted' }));
    for (const c of channels) {
      const item = el('li');
      item.append(el('a', c.name, { href: `/watch/${encodeURIComponent(c.id)}` }));
      if (!c.enabled) item.append(el('span', 'off air', { className: 'badge' }));
      list.append(item);
    }
  } catch (err) {
    list.replaceChildren(
      el('li', `Could not load channels: ${String(err)}`, { className: 'message' }),
    );
  }
}

void render();
