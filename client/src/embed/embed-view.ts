import type { PlayerStats } from '../player/player.js';
import { p2pSummary } from '../player/stats-text.js';

const STYLE = `
:host { display: block; position: relative; background: #000; aspect-ratio: 16 / 9;
  color: #f2f2f2; font: 13px/1.4 system-ui, sans-serif; overflow: hidden; }
.mc-frame { position: absolute; inset: 0; }
video { width: 100%; height: 100%; display: block; background: #000; object-fit: contain; }
.mc-error { position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; text-align: center; padding: 1.5em; background: rgba(0,0,0,.82); }
.mc-error[hidden], .mc-stats[hidden] { display: none; }
.mc-stats { position: absolute; top: .5em; left: .5em; margin: 0; padding: .4em .6em;
  background: rgba(0,0,0,.62); border-radius: 4px; display: grid;
  grid-template-columns: auto auto; gap: 0 .8em; font-size: 12px; pointer-events: none; }
.mc-stats dt { opacity: .7; } .mc-stats dd { margin: 0; font-variant-numeric: tabular-nums; }
`;

const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
const sec = (s: number | undefined): string => (s === undefined ? '—' : `${s.toFixed(1)} s`);

/** The statistics overlay's rows for a snapshot. */
export function statsRows(s: PlayerStats): [string, string][] {
  const total = s.p2pBytes + s.cdnBytes;
  return [
    ['rendition', s.rendition ?? '—'],
    ['buffer', sec(s.bufferSec)],
    ['latency', sec(s.latencySec)],
    ['stalls', String(s.stalls)],
    ['CDN', mb(s.cdnBytes)],
    ['P2P', p2pSummary(s, mb)],
    ['upload', mb(s.uploadBytes)],
    ['offload', total > 0 ? `${Math.round((100 * s.p2pBytes) / total)} %` : '—'],
  ];
}

/**
 * The DOM of one embedded player inside a shadow root (the embedding page's styles stay
 * out): the `<video>`, an error box and the statistics overlay. Parts are exposed for
 * styling as `::part(video)`, `::part(error)`, `::part(stats)`.
 */
export class EmbedView {
  readonly video: HTMLVideoElement;
  private readonly frame: HTMLDivElement;
  private readonly style: HTMLStyleElement;
  private readonly errorBox: HTMLDivElement;
  private readonly statsBox: HTMLDListElement;

  constructor(private readonly root: ShadowRoot) {
    const doc = root.ownerDocument;
    this.style = doc.createElement('style');
    this.style.textContent = STYLE;
    this.frame = doc.createElement('div');
    this.frame.className = 'mc-frame';
    this.video = doc.createElement('video');
    this.video.setAttribute('part', 'video');
    this.video.playsInline = true;
    this.errorBox = doc.createElement('div');
    this.errorBox.className = 'mc-error';
    this.errorBox.setAttribute('part', 'error');
    this.errorBox.setAttribute('role', 'alert');
    this.errorBox.hidden = true;
    this.statsBox = doc.createElement('dl');
    this.statsBox.className = 'mc-stats';
    this.statsBox.setAttribute('part', 'stats');
    this.statsBox.setAttribute('aria-label', 'Playback statistics');
    this.statsBox.hidden = true;
    this.frame.append(this.video, this.errorBox, this.statsBox);
    root.append(this.style, this.frame);
  }

  /** Shows a message over the video (text only: messages may quote server data). */
  showError(message: string): void {
    this.errorBox.textContent = message;
    this.errorBox.hidden = false;
  }

  hideError(): void {
    this.errorBox.hidden = true;
  }

  /** The message shown, or undefined. */
  get error(): string | undefined {
    return this.errorBox.hidden ? undefined : this.errorBox.textContent;
  }

  setStatsVisible(visible: boolean): void {
    this.statsBox.hidden = !visible;
  }

  renderStats(stats: PlayerStats): void {
    if (this.statsBox.hidden) return;
    const doc = this.root.ownerDocument;
    const cells = statsRows(stats).flatMap(([k, v]) => {
      const dt = doc.createElement('dt');
      dt.textContent = k;
      const dd = doc.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    });
    this.statsBox.replaceChildren(...cells);
  }

  /** Removes what it added to the root. */
  destroy(): void {
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    this.style.remove();
    this.frame.remove();
  }
}
