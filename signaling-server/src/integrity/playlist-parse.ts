/**
 * Just enough HLS playlist parsing for the integrity watcher: the variants of a
 * multivariant playlist, named as the player names its renditions, and the segments of a
 * media playlist by media sequence number.
 */

/** One variant of a multivariant playlist. */
export interface Variant {
  /** The rendition name viewers use for its swarm (see {@link renditionNames}). */
  rendition: string;
  /** Absolute media playlist URL. */
  url: string;
}

/** One segment of a media playlist. */
export interface PlaylistSegment {
  seq: number;
  /** Absolute URL. */
  url: string;
}

/**
 * Rendition names as the client's hls.js binding makes them from levels (`renditionNames` in
 * client/src/hls/hls-binding.ts): `360p`, `360p-650k` when heights repeat, `level<i>-<k>k`
 * without a resolution. hls.js sorts levels by bitrate, ascending, which the index follows.
 */
export function renditionNames(levels: readonly { height: number; bitrate: number }[]): string[] {
  const heights = levels.map((l) => l.height);
  return levels.map((l, i) => {
    const kbps = `${Math.round(l.bitrate / 1000)}k`;
    if (!l.height) return `level${i}-${kbps}`;
    return heights.filter((h) => h === l.height).length > 1
      ? `${l.height}p-${kbps}`
      : `${l.height}p`;
  });
}

/** Whether `text` is a media playlist (it lists segments) rather than a multivariant one. */
export function isMediaPlaylist(text: string): boolean {
  return /^#EXTINF:/m.test(text);
}

const attr = (attrs: string, name: string): string | undefined =>
  new RegExp(`(?:^|,)${name}=("[^"]*"|[^,]*)`).exec(attrs)?.[1]?.replace(/^"|"$/g, '');

/** The variants of a multivariant playlist; a media playlist is its own single variant. */
export function parseVariants(text: string, baseUrl: string): Variant[] {
  // hls.js makes one level without resolution or bitrate of a lone media playlist.
  if (isMediaPlaylist(text)) return [{ rendition: 'level0-0k', url: baseUrl }];
  const found: { height: number; bitrate: number; url: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = line.slice('#EXT-X-STREAM-INF:'.length);
    const uri = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.startsWith('#'));
    if (uri === undefined) continue;
    const bitrate = Number(attr(attrs, 'BANDWIDTH') ?? attr(attrs, 'AVERAGE-BANDWIDTH') ?? 0);
    const height = Number(/^\d+x(\d+)$/.exec(attr(attrs, 'RESOLUTION') ?? '')?.[1] ?? 0);
    found.push({
      height,
      bitrate: Number.isFinite(bitrate) ? bitrate : 0,
      url: new URL(uri.trim(), baseUrl).href,
    });
  }
  found.sort((a, b) => a.bitrate - b.bitrate);
  const names = renditionNames(found);
  return found.map((v, i) => ({ rendition: names[i] ?? `level${i}`, url: v.url }));
}

/** The segments of a media playlist, numbered from EXT-X-MEDIA-SEQUENCE. */
export function parseMediaSegments(text: string, baseUrl: string): PlaylistSegment[] {
  let seq = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)?.[1] ?? 0);
  const out: PlaylistSegment[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push({ seq: seq++, url: new URL(line, baseUrl).href });
  }
  return out;
}
