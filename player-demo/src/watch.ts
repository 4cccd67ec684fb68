import { createPlayer, p2pSummary, type MeshcastPlayer, type PlayerStats } from '@meshcast/client';
import { el, getChannel } from './api.js';
import { showEmbedSnippets } from './embed-snippet.js';
import { pageElement } from './page-element.js';

declare global {
  interface Window {
    /** The page's player, for tests, benchmarks and curious viewers. */
    meshcastPlayer?: MeshcastPlayer;
  }
}

const message = pageElement('message', HTMLDivElement);
const stage = pageElement('stage', HTMLDivElement);
const video = pageElement('video', HTMLVideoElement);
const unmute = pageElement('unmute', HTMLButtonElement);
const statsBox = pageElement('stats', HTMLDListElement);

function showMessage(text: string, kind: 'error' | 'info' = 'error', link = true): void {
  message.className = `message ${kind}`;
  message.replaceChildren(el('span', text));
  if (link) message.append(' ', el('a', 'See all channels', { href: '/' }));
  message.hidden = false;
}

const fmt = {
  sec: (s: number | undefined) => (s === undefined ? '—' : `${s.toFixed(1)} s`),
  ms: (s: number | undefined) => (s === undefined ? '—' : `${Math.round(s)} ms`),
  mb: (b: number) => `${(b / 1e6).toFixed(2)} MB`,
  kbps: (b: number | undefined) => (b === undefined ? '' : ` · ${Math.round(b / 1000)} kbit/s`),
};

function renderStats(s: PlayerStats): void {
  const rows: [string, string][] = [
    ['rendition', `${s.rendition ?? '—'}${fmt.kbps(s.bitrate)}`],
    ['buffer', fmt.sec(s.bufferSec)],
    ['latency', fmt.sec(s.latencySec)],
    ['stalls', `${s.stalls} (${fmt.ms(s.stallMs)})`],
    ['startup', fmt.ms(s.startupMs)],
    ['CDN', fmt.mb(s.cdnBytes)],
    ['P2P', p2pSummary(s, fmt.mb)],
    ['upload', fmt.mb(s.uploadBytes)],
    [
      'offload',
      s.p2pBytes + s.cdnBytes > 0
        ? `${Math.round((100 * s.p2pBytes) / (s.p2pBytes + s.cdnBytes))} %`
        : '—',
    ],
  ];
  statsBox.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}

async function main(): Promise<void> {
  const match = /^\/watch\/([^/]+)\/?$/.exec(location.pathname);
  const id = match?.[1] ? decodeURIComponent(match[1]) : '';
  if (!id) {
    showMessage('No channel given in the address (expected /watch/<channel>).');
    return;
  }
  let channel;
  try {
    channel = await getChannel(id);
  } catch (err) {
    showMessage(`Could not load channel “${id}”: ${String(err)}`);
    return;
  }
  if (!channel) {
    showMessage(`There is no channel called “${id}”.`);
    return;
  }
  document.title = `${channel.name} — meshcast`;
  pageElement('channel-name', HTMLSpanElement).textContent = channel.name;
  if (!channel.enabled) {
    showMessage(`“${channel.name}” is off air right now.`, 'info');
    return;
  }

  stage.hidden = false;
  showEmbedSnippets(channel.id);
  // ?p2p=0 plays from the CDN only (comparison runs); so does a channel with P2P off.
  const p2p = channel.p2pEnabled && new URLSearchParams(location.search).get('p2p') !== '0';
  const player = createPlayer({
    video,
    source: new URL(channel.sourceUrl, location.href).href,
    channel: channel.id,
    p2p,
  });
  window.meshcastPlayer = player;
  player.on('error', (e) => {
    if (e.fatal) showMessage(`Playback problem (${e.type}): ${e.message}`, 'error', false);
  });
  player.on('playing', () => {
    message.hidden = true;
  });

  const syncUnmute = (): void => {
    unmute.textContent = video.muted ? '🔇 Tap to unmute' : '🔊 Mute';
  };
  unmute.addEventListener('click', () => {
    video.muted = !video.muted;
    syncUnmute();
  });
  video.addEventListener('volumechange', syncUnmute);
  syncUnmute();

  renderStats(player.stats());
  const timer = setInterval(() => {
    renderStats(player.stats());
  }, 500);
  window.addEventListener('pagehide', () => {
    clearInterval(timer);
    player.destroy();
  });
}

void main();
