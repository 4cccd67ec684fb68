/** The figures {@link p2pSummary} reads: a `PlayerStats` or a video.js source's stats. */
export interface P2pFigures {
  p2pEnabled: boolean;
  /** Segment bytes from peers. */
  p2pBytes: number;
  /** Connected peers. */
  peers: number;
  /** Peer connections still opening. @default 0 */
  connecting?: number;
}

/**
 * The P2P line of a statistics overlay: bytes from peers (as `bytes` formats them), connected
 * peers and connections still opening, or `off`.
 *
 * @example p2pSummary(player.stats(), (b) => `${(b / 1e6).toFixed(2)} MB`) // '1.20 MB · 3 peers (+1 connecting)'
 */
export function p2pSummary(s: P2pFigures, bytes: (n: number) => string): string {
  if (!s.p2pEnabled) return 'off';
  const connecting = s.connecting ?? 0;
  const opening = connecting > 0 ? ` (+${connecting} connecting)` : '';
  return `${bytes(s.p2pBytes)} · ${s.peers} ${s.peers === 1 ? 'peer' : 'peers'}${opening}`;
}
