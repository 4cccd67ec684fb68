// The iframe embed, /embed/<channel>: one <meshcast-player> filling the frame. Query options:
// autoplay, muted (both on unless =0), stats, p2p=0, controls=0.
import { defineMeshcastElement, type MeshcastPlayerElement } from '@meshcast/client/embed';

declare global {
  interface Window {
    /** The frame's player element, for tests. */
    meshcastElement?: MeshcastPlayerElement;
  }
}

defineMeshcastElement();
const match = /^\/embed\/([^/]+)\/?$/.exec(location.pathname);
const query = new URLSearchParams(location.search);
const flag = (name: string, fallback: boolean): boolean => {
  const v = query.get(name);
  return v === null ? fallback : v !== '0' && v !== 'false';
};

const el = document.createElement('meshcast-player');
el.channel = match?.[1] ? decodeURIComponent(match[1]) : '';
el.autoplay = flag('autoplay', true);
el.muted = flag('muted', true);
el.stats = flag('stats', false);
el.p2p = flag('p2p', true);
el.controls = flag('controls', true);
document.body.append(el);
window.meshcastElement = el;
