import type { ModeRun } from './figures.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained HTML page: cumulative CDN and P2P MB over the window, per mode (SVG). */
export function renderChart(meta: Record<string, unknown>, runs: readonly ModeRun[]): string {
  const W = 640;
  const H = 300;
  const pad = 40;
  const series = runs.flatMap((run) => {
    const base = run.samples[0];
    const total = (i: number, key: 'p2pBytes' | 'cdnBytes'): number =>
      run.samples[i]!.viewers.reduce((n, v, j) => n + v[key] - base!.viewers[j]![key], 0) / 1e6;
    return (['cdnBytes', 'p2pBytes'] as const).map((key) => ({
      name: `${run.mode === 'cdn' ? 'CDN-only' : 'meshcast'} · ${key === 'cdnBytes' ? 'CDN' : 'P2P'}`,
      dashed: run.mode === 'cdn',
      color: key === 'cdnBytes' ? '#e4572e' : '#29a35a',
      points: run.samples.map((s, i) => [s.t, total(i, key)] as const),
    }));
  });
  const maxT = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const maxY = Math.max(0.1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (t: number): number => pad + ((W - 2 * pad) * t) / maxT;
  const y = (v: number): number => H - pad - ((H - 2 * pad) * v) / maxY;
  const paths = series
    .map(
      (s) =>
        `<path d="${s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('')}" ` +
        `fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    )
    .join('\n');
  const legend = series
    .map(
      (s, i) =>
        `<text x="${pad + 10}" y="${pad + 14 * (i + 1)}" fill="${s.color}" font-size="12">${s.dashed ? '- - ' : '—— '}${esc(s.name)}</text>`,
    )
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>meshcast swarm benchmark</title>
<body style="font-family:system-ui;margin:2rem">
<h1>meshcast swarm benchmark</h1>
<pre>${esc(JSON.stringify(meta, null, 2))}</pre>
<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Cumulative CDN and P2P bytes">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>
<text x="${W / 2}" y="${H - 8}" font-size="12" text-anchor="middle">seconds in the measured window</text>
<text x="12" y="${H / 2}" font-size="12" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">MB (all viewers, cumulative)</text>
<text x="${pad - 4}" y="${pad + 4}" font-size="11" text-anchor="end">${maxY.toFixed(1)}</text>
<text x="${W - pad}" y="${H - pad + 14}" font-size="11" text-anchor="end">${maxT.toFixed(0)}</text>
${paths}
${legend}
</svg></body>`;
}
