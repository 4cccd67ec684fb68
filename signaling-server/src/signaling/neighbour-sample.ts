/**
 * Picks up to `count` distinct members uniformly at random, skipping the `excluded` ones.
 * Costs O(count) for a large swarm (rejection sampling) and O(members) only when the swarm is
 * small next to what is asked or excluded, so a join in a swarm of thousands stays cheap.
 *
 * @param members every member, without duplicates
 * @param random uniform in [0, 1), injected for tests
 */
export function sampleNeighbours(
  members: readonly string[],
  count: number,
  excluded: ReadonlySet<string>,
  random: () => number,
): string[] {
  if (count <= 0 || members.length === 0) return [];
  const n = members.length;
  // Rejection sampling pays off while most draws land on fresh, allowed members.
  if (n > 4 * (count + excluded.size)) {
    const picked = new Set<string>();
    for (let attempts = 0; picked.size < count && attempts < 16 * count + 32; attempts++) {
      const m = members[pickIndex(n, random)];
      if (m !== undefined && !excluded.has(m)) picked.add(m);
    }
    if (picked.size === count) return [...picked];
    // Vanishingly rare with a sane random source; fall through to the exact method.
  }
  const candidates = members.filter((m) => !excluded.has(m));
  const k = Math.min(count, candidates.length);
  // Partial Fisher-Yates: the first k slots become a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = i + pickIndex(candidates.length - i, random);
    const a = candidates[i];
    const b = candidates[j];
    if (a === undefined || b === undefined) break; // unreachable: both indexes are in range
    candidates[i] = b;
    candidates[j] = a;
  }
  return candidates.slice(0, k);
}

/** An index in [0, n), robust to a random source that returns 1 or garbage. */
function pickIndex(n: number, random: () => number): number {
  const r = random();
  const i = Math.floor((Number.isFinite(r) ? r : 0) * n);
  return Math.min(Math.max(i, 0), n - 1);
}
