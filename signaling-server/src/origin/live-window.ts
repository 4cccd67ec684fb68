/**
 * The live clock of a looped clip: wall time maps to media sequence numbers, the same on
 * every server process (sequence 0 started at a fixed epoch), so that several origins serve
 * identical playlists. Pure functions of `nowMs`, unit-tested with any clock.
 *
 * The epoch is recent on purpose: hls.js walks its per-discontinuity table from index 0 on
 * every playlist load, so a DISCONTINUITY-SEQUENCE in the tens of millions (the Unix epoch
 * with a 20 s loop) costs a whole CPU core per tab. From a recent epoch it grows by 4,320 a day.
 */

/** Segments of the sliding window at a moment, by media sequence number. */
export interface LiveWindow {
  /** EXT-X-MEDIA-SEQUENCE: the oldest segment listed. */
  firstSeq: number;
  /** The newest complete segment (the live edge). */
  lastSeq: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE: loop restarts before `firstSeq`. */
  discontinuitySeq: number;
}

export interface LiveWindowOptions {
  /** Wall time at which sequence 0 started, ms since the Unix epoch. */
  epochMs: number;
  /** Segment duration, seconds. */
  segmentDuration: number;
  /** Segments in the clip (one loop). */
  loopLength: number;
  /** Segments listed in the media playlist. */
  windowSegments: number;
}

/** The window at `nowMs`: the last `windowSegments` segments whose end time has passed. */
export function liveWindowAt(nowMs: number, o: LiveWindowOptions): LiveWindow {
  const durMs = o.segmentDuration * 1000;
  const lastSeq = Math.floor((nowMs - o.epochMs) / durMs) - 1;
  const firstSeq = lastSeq - o.windowSegments + 1;
  return { firstSeq, lastSeq, discontinuitySeq: Math.floor(firstSeq / o.loopLength) };
}

/** The clip segment index that plays at media sequence `seq`. */
export function clipIndexOf(seq: number, loopLength: number): number {
  return ((seq % loopLength) + loopLength) % loopLength;
}

/**
 * Whether segment `seq` may be fetched at `nowMs`: it is complete, and it left the playlist
 * no more than one window ago (RFC 8216 6.2.2: keep removed segments available a while).
 */
export function isSegmentAvailable(seq: number, nowMs: number, o: LiveWindowOptions): boolean {
  const w = liveWindowAt(nowMs, o);
  return seq <= w.lastSeq && seq >= w.firstSeq - o.windowSegments;
}

export interface MediaPlaylistOptions extends LiveWindowOptions {
  /** URI of segment `seq`, relative to the playlist. */
  segmentUri: (seq: number) => string;
}

/** The live media playlist at `nowMs`, with PROGRAM-DATE-TIME on every segment. */
export function renderMediaPlaylist(nowMs: number, o: MediaPlaylistOptions): string {
  const w = liveWindowAt(nowMs, o);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(o.segmentDuration)}`,
    `#EXT-X-MEDIA-SEQUENCE:${w.firstSeq}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${w.discontinuitySeq}`,
  ];
  for (let seq = w.firstSeq; seq <= w.lastSeq; seq++) {
    // The tag on the first listed segment would be counted in DISCONTINUITY-SEQUENCE already.
    if (seq !== w.firstSeq && clipIndexOf(seq, o.loopLength) === 0) {
      lines.push('#EXT-X-DISCONTINUITY');
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(o.epochMs + seq * o.segmentDuration * 1000).toISOString()}`,
    );
    lines.push(`#EXTINF:${o.segmentDuration.toFixed(3)},`);
    lines.push(o.segmentUri(seq));
  }
  return lines.join('\n') + '\n';
}

export interface VariantInfo {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  codecs: string;
}

/** The multivariant playlist, highest bandwidth first. */
export function renderMultivariantPlaylist(variants: readonly VariantInfo[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of [...variants].sort((a, b) => b.bandwidth - a.bandwidth)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},` +
        `RESOLUTION=${v.width}x${v.height},CODECS="${v.codecs}"`,
    );
    lines.push(v.uri);
  }
  return lines.join('\n') + '\n';
}
