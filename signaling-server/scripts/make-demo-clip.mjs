#!/usr/bin/env node
// Remakes the committed demo clip: a 20 s test pattern with a running clock and a beep each
// second, encoded to two H.264/AAC renditions cut into 2 s MPEG-TS segments, plus the
// clip.json manifest the demo origin loops. Needs ffmpeg (with libx264 and drawtext) and the
// DejaVu fonts; the server itself never runs ffmpeg.
//
//   node signaling-server/scripts/make-demo-clip.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'demo');
const SECONDS = 20;
const SEGMENT = 2;
const FPS = 25;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

/** avc1.4d401e = Main profile, level 3.0; mp4a.40.2 = AAC-LC. */
const CODECS = 'avc1.4d401e,mp4a.40.2';
const RENDITIONS = [
  { name: '360p', width: 640, height: 360, videoKbps: 550, audioKbps: 48 },
  { name: '240p', width: 426, height: 240, videoKbps: 260, audioKbps: 48 },
];

rmSync(OUT, { recursive: true, force: true });
const manifest = { segmentDuration: SEGMENT, codecs: CODECS, renditions: [] };

for (const r of RENDITIONS) {
  const dir = join(OUT, r.name);
  mkdirSync(dir, { recursive: true });
  const size = Math.round(r.height / 9);
  const text = (t, y, s) =>
    `drawtext=fontfile=${FONT}:text='${t}':x=(w-text_w)/2:y=${y}:fontsize=${s}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6`;
  const video = [
    `testsrc2=size=${r.width}x${r.height}:rate=${FPS}:duration=${SECONDS}`,
    text('meshcast demo  ${r.name}'.replace('${r.name}', r.name), 'h*0.08', Math.round(size * 0.6)),
    text('%{pts\\:hms}', '(h-text_h)/2', size * 1.6),
    text('frame %{frame_num}', 'h*0.8', Math.round(size * 0.5)),
  ].join(',');
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    video,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=880:beep_factor=4:sample_rate=48000:duration=${SECONDS}`,
    '-c:v',
    'libx264',
    '-profile:v',
    'main',
    '-level:v',
    '3.0',
    '-pix_fmt',
    'yuv420p',
    '-preset',
    'slow',
    '-b:v',
    `${r.videoKbps}k`,
    '-maxrate',
    `${Math.round(r.videoKbps * 1.1)}k`,
    '-bufsize',
    `${r.videoKbps * 2}k`,
    '-g',
    String(FPS * SEGMENT),
    '-keyint_min',
    String(FPS * SEGMENT),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${SEGMENT})`,
    '-c:a',
    'aac',
    '-b:a',
    `${r.audioKbps}k`,
    '-ac',
    '1',
    '-ar',
    '48000',
    '-f',
    'hls',
    '-hls_time',
    String(SEGMENT),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_filename',
    join(dir, 'seg%d.ts'),
    join(dir, 'index.m3u8'),
  ];
  const run = spawnSync('ffmpeg', args, { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`ffmpeg failed for ${r.name}`);

  const playlist = readFileSync(join(dir, 'index.m3u8'), 'utf8');
  rmSync(join(dir, 'index.m3u8'));
  const durations = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort((a, b) => parseInt(a.slice(3)) - parseInt(b.slice(3)));
  if (files.length !== durations.length) throw new Error('segment count mismatch');
  const bytes = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const bandwidth = Math.ceil(
    Math.max(...files.map((f, i) => (statSync(join(dir, f)).size * 8) / durations[i])),
  );
  manifest.renditions.push({
    name: r.name,
    width: r.width,
    height: r.height,
    bandwidth,
    averageBandwidth: Math.ceil((bytes * 8) / SECONDS),
    segments: files.map((file, i) => ({ file: `${r.name}/${file}`, duration: durations[i] })),
  });
}
writeFileSync(join(OUT, 'clip.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  JSON.stringify(
    manifest.renditions.map((r) => ({
      name: r.name,
      averageBandwidth: r.averageBandwidth,
      bandwidth: r.bandwidth,
      durations: r.segments.map((s) => s.duration),
    })),
  ),
);
