/** Counts for stats and metrics. */
export interface SwarmRegistryStats {
  /** Swarms with at least one member. */
  swarms: number;
  /** Memberships summed over swarms (a peer in two swarms counts twice). */
  members: number;
  /** Distinct peers in any swarm. */
  peers: number;
}

/**
 * Who is in which swarm: what the signaling handlers read and write. Every call is
 * synchronous so that a signal relay costs no I/O: the in-memory {@link SwarmRegistry} is
 * the whole truth for one process; the Redis one (`scale/redis-swarm-directory.ts`) keeps a
 * local replica of every server's members and writes this server's changes through.
 *
 * Writers only add and remove their own connections (peer ids are socket ids).
 */
export interface SwarmDirectory {
  /**
   * Adds `peer` to `swarm`; false if it was already a member. `locality` (see `localityOf`)
   * lets neighbour lists prefer peers close to each other.
   */
  add(swarmId: string, peer: string, locality?: string): boolean;
  /** Removes `peer` from `swarm`; false if it was not a member. */
  remove(swarmId: string, peer: string): boolean;
  /** Removes `peer` from every swarm; returns the swarms it left. */
  removeAll(peer: string): string[];
  /** Whether `peer` is a member of `swarm` (on any server). */
  has(swarmId: string, peer: string): boolean;
  /** The swarms `peer` is in. */
  swarmsOf(peer: string): string[];
  /** Members of `swarm` (on every server). */
  size(swarmId: string): number;
  /**
   * Up to `count` random members of `swarm`, never `self` nor any of `exclude`, preferring
   * members of `locality` (default: the one recorded for `self`) except for a random share
   * (`sampleLocalNeighbours` in neighbour-sample.ts).
   */
  neighbours(
    swarmId: string,
    self: string,
    count: number,
    exclude?: Iterable<string>,
    locality?: string,
  ): string[];
  /** Counts of this server's own members (what its /metrics reports). */
  stats(): SwarmRegistryStats;
  /** Forgets this server's members (shutdown). */
  clear(): void;
}
