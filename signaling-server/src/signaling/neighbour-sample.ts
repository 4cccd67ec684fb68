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

/** A swarm member as locality-aware sampling sees it. */
export interface LocalityMember {
  id: string;
  /** Its locality key (see `localityOf`); undefined when unknown. */
  locality: string | undefined;
}

/**
 * Up to `count` distinct neighbours that prefer the asker's locality while keeping at least
 * `randomShare` of the list (rounded up) drawn uniformly from the whole swarm. The random
 * links are what keep the mesh one connected graph when viewers cluster by region; when the
 * locality has too few members, the rest of the list is random too.
 *
 * A pure function over two pools, so any registry can use it: the in-memory one keeps a pool
 * per locality, a shared one (Redis) can fetch the two pools by key.
 *
 * @param all every member of the swarm
 * @param local the members with the asker's locality (a subset of `all`; empty if unknown)
 * @param randomShare in [0, 1]: 1 is plain random sampling, 0 fills from `local` first
 * @example sampleLocalNeighbours(members, sameRegion, 8, new Set([self]), Math.random, 0.25)
 */
export function sampleLocalNeighbours(
  all: readonly string[],
  local: readonly string[],
  count: number,
  excluded: ReadonlySet<string>,
  random: () => number,
  randomShare: number,
): string[] {
  if (count <= 0) return [];
  const share = Math.min(1, Math.max(0, Number.isFinite(randomShare) ? randomShare : 1));
  const localCount = local.length === 0 ? 0 : count - Math.ceil(count * share);
  const picked = localCount > 0 ? sampleNeighbours(local, localCount, excluded, random) : [];
  if (picked.length === count) return picked;
  const skip = picked.length === 0 ? excluded : new Set([...excluded, ...picked]);
  return [...picked, ...sampleNeighbours(all, count - picked.length, skip, random)];
}

/**
 * {@link sampleLocalNeighbours} over plain member records (O(members)); for registries that
 * do not keep a pool per locality.
 */
export function sampleByLocality(
  members: readonly LocalityMember[],
  locality: string | undefined,
  count: number,
  excluded: ReadonlySet<string>,
  random: () => number,
  randomShare: number,
): string[] {
  const all = members.map((m) => m.id);
  const local =
    locality === undefined ? [] : members.filter((m) => m.locality === locality).map((m) => m.id);
  return sampleLocalNeighbours(all, local, count, excluded, random, randomShare);
}

/** An index in [0, n), robust to a random source that returns 1 or garbage. */
function pickIndex(n: number, random: () => number): number {
  const r = random();
  const i = Math.floor((Number.isFinite(r) ? r : 0) * n);
  return Math.min(Math.max(i, 0), n - 1);
}
