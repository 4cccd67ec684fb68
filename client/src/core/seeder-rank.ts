/**
 * Deterministic choice of who fetches a new live-edge segment from the CDN first: every
 * viewer hashes (peerId, seq) for itself and its neighbours; the lowest hash fetches at once.
 * Neighbourhoods overlap, so about one viewer per neighbourhood does, and the choice rotates
 * with `seq` so the CDN load spreads over viewers.
 */

/** 32-bit FNV-1a of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3 fmix32) so ids that differ in one character spread out.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** How many of `others` rank before `self` for segment `seq` (0 = fetch first). */
export function seederRank(self: string, others: readonly string[], seq: number): number {
  const mine = fnv1a(`${self}:${seq}`);
  let rank = 0;
  for (const id of others) {
    if (id === self) continue;
    const h = fnv1a(`${id}:${seq}`);
    if (h < mine || (h === mine && id < self)) rank++;
  }
  return rank;
}

/** A viewer and its weight (advertised upload rate) for {@link weightedSeederRank}. */
export interface WeightedId {
  id: string;
  /** Upload rate, bytes/ms; > 0. */
  weight: number;
}

/**
 * Weighted rendezvous hashing: each viewer scores `-ln(h) / weight^exponent` with h in (0, 1]
 * from its hash of (id, seq); the lowest score fetches first. A viewer with twice the upload rate
 * (exponent 1) ranks first twice as often; with exponent 0 it is {@link seederRank}'s order
 * (lowest hash first). Returns how many of `others` rank before `self`.
 */
export function weightedSeederRank(
  self: WeightedId,
  others: readonly WeightedId[],
  seq: number,
  exponent: number,
): number {
  const score = (v: WeightedId): number =>
    // h in (0, 1], decreasing with the hash: at equal weights the lowest hash ranks first.
    -Math.log((2 ** 32 - fnv1a(`${v.id}:${seq}`)) / 2 ** 32) / Math.max(1e-9, v.weight) ** exponent;
  const mine = score(self);
  let rank = 0;
  for (const o of others) {
    if (o.id === self.id) continue;
    const s = score(o);
    if (s < mine || (s === mine && o.id < self.id)) rank++;
  }
  return rank;
}
