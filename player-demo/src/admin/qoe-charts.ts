import type { ChannelQoePoint, ChannelStats } from '@meshcast/client/signaling';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el } from '../api.js';

interface SeriesSpec {
  label: string;
  color: string;
  pick: (p: ChannelQoePoint) => number | null;
}

interface ChartSpec {
  key: string;
  title: string;
  unit: string;
  series: SeriesSpec[];
  /** A fixed y range, e.g. [0, 100] for percentages. */
  range?: [number, number];
}

const pct = (v: number | null): number | null => (v === null ? null : v * 100);
const kbps = (bytesPerSec: number): number => (bytesPerSec * 8) / 1000;

/** The history charts of the detail view, one metric (or a pair) each. */
export const CHARTS: ChartSpec[] = [
  {
    key: 'viewers',
    title: 'Viewers',
    unit: '',
    series: [s('viewers', '#7cc4ff', (p) => p.viewers)],
  },
  {
    key: 'offload',
    title: 'Offload (P2P share)',
    unit: '%',
    range: [0, 100],
    series: [s('offload', '#6fdc8c', (p) => pct(p.offload))],
  },
  {
    key: 'continuity',
    title: 'Continuity index',
    unit: '',
    range: [0, 1.05],
    series: [s('continuity', '#f1c21b', (p) => p.continuityIndex)],
  },
  {
    key: 'stalls',
    title: 'Stalls (rebuffer ratio)',
    unit: '%',
    series: [s('rebuffer', '#ff8389', (p) => pct(p.rebufferRatio))],
  },
  {
    key: 'startup',
    title: 'Startup time',
    unit: 'ms',
    series: [
      s('p50', '#be95ff', (p) => p.startupMsP50),
      s('p95', '#8a6fcf', (p) => p.startupMsP95),
    ],
  },
  {
    key: 'latency',
    title: 'Live latency (p50)',
    unit: 's',
    series: [s('p50', '#3ddbd9', (p) => p.latencySecP50)],
  },
  {
    key: 'traffic',
    title: 'Traffic',
    unit: 'kbit/s',
    series: [
      s('CDN', '#ff832b', (p) => kbps(p.cdnBytesPerSec)),
      s('P2P', '#6fdc8c', (p) => kbps(p.p2pBytesPerSec)),
    ],
  },
];

function s(label: string, color: string, pick: SeriesSpec['pick']): SeriesSpec {
  return { label, color, pick };
}

const AXIS = { stroke: '#9aa', grid: { stroke: '#2a2e37' }, ticks: { stroke: '#2a2e37' } };
const HEIGHT = 170;

/** uPlot charts of a channel's history; `update` redraws them with fresh stats. */
export class QoeCharts {
  private readonly plots: { spec: ChartSpec; plot: uPlot }[] = [];
  private readonly resize: ResizeObserver;
  private readonly empty: HTMLElement;
  private readonly grid: HTMLElement;

  constructor(container: HTMLElement) {
    this.empty = el('p', 'No history yet: a point is added every sample interval.', {
      className: 'muted',
    });
    container.append(this.empty);
    const grid = el('div', undefined, { className: 'charts', id: 'charts' });
    this.grid = grid;
    container.append(grid);
    for (const spec of CHARTS) {
      const box = el('figure', undefined, { className: `chart chart-${spec.key}` });
      const caption = spec.unit ? `${spec.title} (${spec.unit})` : spec.title;
      box.append(el('figcaption', caption));
      grid.append(box);
      const plot = new uPlot(
        {
          width: Math.max(200, box.clientWidth),
          height: HEIGHT,
          legend: { show: spec.series.length > 1 },
          cursor: { drag: { x: false, y: false } },
          scales: {
            x: { time: true, range: (_u, min, max) => xRange(min, max) },
            y: spec.range ? { range: spec.range } : { range: (_u, min, max) => yRange(min, max) },
          },
          axes: [{ ...AXIS }, { ...AXIS, size: 52, values: (_u, splits) => splits.map(compact) }],
          series: [
            {},
            ...spec.series.map((x) => ({
              label: x.label,
              stroke: x.color,
              width: 2,
              spanGaps: false,
            })),
          ],
        },
        [[], ...spec.series.map(() => [])],
        box,
      );
      this.plots.push({ spec, plot });
    }
    this.resize = new ResizeObserver(() => {
      for (const { plot } of this.plots) {
        const width = plot.root.parentElement?.clientWidth ?? 0;
        if (width > 0 && width !== plot.width) plot.setSize({ width, height: HEIGHT });
      }
    });
    this.resize.observe(grid);
  }

  update(stats: ChannelStats): void {
    const points = stats.history.points;
    this.empty.hidden = points.length > 0;
    this.grid.dataset.points = String(points.length);
    const xs = points.map((p) => p.t / 1000);
    for (const { spec, plot } of this.plots) {
      plot.setData([xs, ...spec.series.map((x) => points.map(x.pick))]);
    }
  }

  destroy(): void {
    this.resize.disconnect();
    for (const { plot } of this.plots.splice(0)) plot.destroy();
  }
}

/** A y tick label: 0.5, 250, 1.5k, 12k. */
function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${Math.round(value / 1000)}k`;
  if (abs >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return String(Math.round(value * 100) / 100);
}

/** The charts show at least this much time (s), so a young history does not fill the width. */
const MIN_SPAN_SEC = 300;

/** Up to the newest point, at least {@link MIN_SPAN_SEC} wide. */
function xRange(min: number | null, max: number | null): [number, number] {
  const end = max ?? Date.now() / 1000;
  return [Math.min(min ?? end, end - MIN_SPAN_SEC), end];
}

/** From zero up, with room above the highest value (flat zero lines stay readable). */
function yRange(_min: number | null, max: number | null): [number, number] {
  const top = max === null || max <= 0 ? 1 : max * 1.15;
  return [0, top];
}
