import { el } from '../api.js';
import { AdminApi } from './admin-api.js';
import { mountChannelDetailView } from './channel-detail-view.js';
import { mountChannelFormView } from './channel-form-view.js';
import { mountChannelListView } from './channel-list-view.js';
import { mountLoginView } from './login-view.js';
import { sessionToken } from './session-token.js';
import type { AdminContext, View } from './view.js';
import { pageElement } from '../page-element.js';

/** The admin page's routes, in the URL's hash (the token never goes in a URL). */
type Route =
  | { view: 'list' }
  | { view: 'new' }
  | { view: 'edit'; id: string }
  | { view: 'channel'; id: string };

function parseRoute(hash: string): Route {
  const [name, raw] = hash.replace(/^#\/?/, '').split('/', 2);
  let id = '';
  try {
    id = raw ? decodeURIComponent(raw) : '';
  } catch {
    // a malformed escape: the list
  }
  if (name === 'new') return { view: 'new' };
  if (name === 'edit' && id) return { view: 'edit', id };
  if (name === 'channel' && id) return { view: 'channel', id };
  return { view: 'list' };
}

const root = pageElement('view', HTMLElement);
const notice = pageElement('notice', HTMLDivElement);
const logout = pageElement('logout', HTMLButtonElement);
let current: View | undefined;
/** A message for the next view (e.g. "Saved …" after a form). */
let flash: string | undefined;

function notify(text: string, kind: 'info' | 'error' = 'error'): void {
  notice.className = `message ${kind}`;
  notice.replaceChildren(el('span', text));
  notice.hidden = false;
}

function mount(view: () => View): void {
  current?.destroy();
  current = view();
}

function showLogin(reason?: string): void {
  sessionToken.clear();
  logout.hidden = true;
  notice.hidden = true;
  mount(() =>
    mountLoginView(
      root,
      (token) => {
        sessionToken.set(token);
        render();
      },
      reason,
    ),
  );
}

function render(): void {
  const token = sessionToken.get();
  if (token === undefined) {
    showLogin();
    return;
  }
  logout.hidden = false;
  if (flash === undefined) notice.hidden = true;
  else notify(flash, 'info');
  flash = undefined;
  const api = new AdminApi(token, {
    onUnauthorized: () => {
      // Several calls may fail at once: the first one logs out.
      if (sessionToken.get() === token)
        showLogin('The server no longer accepts this token (it may have restarted): log in again.');
    },
  });
  const ctx: AdminContext = {
    api,
    notify,
    go: (hash, message) => {
      flash = message;
      if (parseRoute(location.hash).view === 'list' && parseRoute(hash).view === 'list') render();
      else location.hash = hash;
    },
  };
  const route = parseRoute(location.hash);
  switch (route.view) {
    case 'list':
      mount(() => mountChannelListView(root, ctx));
      break;
    case 'new':
      mount(() => mountChannelFormView(root, ctx));
      break;
    case 'edit':
      mount(() => mountChannelFormView(root, ctx, route.id));
      break;
    case 'channel':
      mount(() => mountChannelDetailView(root, ctx, route.id));
      break;
  }
}

window.addEventListener('hashchange', render);
logout.addEventListener('click', () => {
  showLogin();
});
window.addEventListener('pagehide', () => current?.destroy());
render();
