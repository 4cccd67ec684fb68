// /demo/videojs: video.js playing a channel through hls.js + meshcast (?channel=<id>, default demo).
import videojs from 'video.js';
import 'video.js/dist/video-js.css';
import {
  p2pSummary,
  registerMeshcast,
  type MeshcastPluginHost,
  type MeshcastVideojs,
} from '@meshcast/client/videojs';
import { el } from './api.js';
import './embed-snippet.css';

declare global {
  interface Window {
    /** The page's video.js player and its meshcast handle, for tests. */
    meshcastVideojs?: { player: ReturnType<typeof videojs>; meshcast: MeshcastVideojs };
  }
}

registerMeshcast(videojs);
const channel = new URLSearchParams(location.search).get('channel') ?? 'demo';
const player = videojs('player', { autoplay: 'muted', liveui: true });
const meshcast = (player as typeof player & MeshcastPluginHost).meshcast({ channel });
window.meshcastVideojs = { player, meshcast };

const levels = document.getElementById('levels');
const stats = document.getElementById('stats');
setInterval(() => {
  const s = meshcast.stats();
  if (levels) {
    const list = (player as unknown as { qualityLevels: () => { length: number } }).qualityLevels();
    levels.textContent = `Quality levels: ${list.length}.`;
  }
  if (!s || !stats) return;
  const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
  const rows: [string, string][] = [
    ['rendition', s.rendition ?? '—'],
    ['CDN', mb(s.cdnBytes)],
    ['P2P', p2pSummary(s, mb)],
    ['upload', mb(s.uploadBytes)],
    ['stalls', String(s.stalls)],
  ];
  stats.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}, 1000);
