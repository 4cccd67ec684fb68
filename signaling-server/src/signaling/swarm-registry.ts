import { LocalityIndex } from './locality-index.js';
import { sampleLocalNeighbours } from './neighbour-sample.js';
import type { SwarmDirectory, SwarmRegistryStats } from './swarm-directory.js';

export type { SwarmRegistryStats } from './swarm-directory.js';

/** Members of one swarm: an array for O(1) random picks, an index for O(1) removal. */
interface Swarm {
  /** The swarm id string every member's entries share (one copy, not one per join). */
  id: string;
  members: string[];
  index: Map<string, number>;
}

/**
 * Who is in which swarm, in memory, for one server process. Pure bookkeeping, no I/O: the
 * socket handlers call it, the unit tests drive it directly with an injected random.
 */
export class SwarmRegistry implements SwarmDirectory {
  private readonly swarms = new Map<string, Swarm>();
  /** A socket's swarms (4 at most): a small array costs far less than a Set. */
  private readonly bySocket = new Map<string, string[]>();

  private readonly localities = new LocalityIndex();

  /**
   * @param random uniform in [0, 1). @default Math.random
   * @param localityRandomShare share of each neighbour list drawn from the whole swarm when
   *   the asker's locality is known (see `sampleLocalNeighbours`). @default 0.25
   */
  constructor(
    private readonly random: () => number = Math.random,
    private readonly localityRandomShare = 0.25,
  ) {}

  /**
   * Adds `peer` to `swarm`; false if it was already a member. `locality` (see `localityOf`)
   * lets neighbour lists prefer peers close to each other.
   */
  add(swarmId: string, peer: string, locality?: string): boolean {
    let swarm = this.swarms.get(swarmId);
    if (!swarm) this.swarms.set(swarmId, (swarm = { id: swarmId, members: [], index: new Map() }));
    if (locality === undefined) this.localities.remove(swarmId, peer);
    else this.localities.add(swarm.id, peer, locality);
    if (swarm.index.has(peer)) return false;
    swarm.index.set(peer, swarm.members.length);
    swarm.members.push(peer);
    const mine = this.bySocket.get(peer);
    if (mine) mine.push(swarm.id);
    else this.bySocket.set(peer, [swarm.id]);
    return true;
  }

  /** Removes `peer` from `swarm`; false if it was not a member. */
  remove(swarmId: string, peer: string): boolean {
    const swarm = this.swarms.get(swarmId);
    const at = swarm?.index.get(peer);
    if (!swarm || at === undefined) return false;
    // Swap-remove: move the last member into the hole.
    const last = swarm.members.pop();
    if (last !== undefined && last !== peer) {
      swarm.members[at] = last;
      swarm.index.set(last, at);
    }
    swarm.index.delete(peer);
    this.localities.remove(swarmId, peer);
    if (swarm.members.length === 0) this.swarms.delete(swarmId);
    const mine = this.bySocket.get(peer);
    const i = mine?.indexOf(swarmId) ?? -1;
    if (mine && i >= 0) mine.splice(i, 1);
    if (mine?.length === 0) this.bySocket.delete(peer);
    return true;
  }

  /** Removes `peer` from every swarm; returns the swarms it left. */
  removeAll(peer: string): string[] {
    const left = [...(this.bySocket.get(peer) ?? [])];
    for (const swarmId of left) this.remove(swarmId, peer);
    return left;
  }

  has(swarmId: string, peer: string): boolean {
    return this.swarms.get(swarmId)?.index.has(peer) ?? false;
  }

  /** The swarms `peer` is in. */
  swarmsOf(peer: string): string[] {
    return [...(this.bySocket.get(peer) ?? [])];
  }

  size(swarmId: string): number {
    return this.swarms.get(swarmId)?.members.length ?? 0;
  }

  /**
   * Up to `count` random members of `swarm`, never `self` nor any of `exclude`, preferring
   * members of `locality` (default: the one recorded for `self` in that swarm) except for a
   * random share of the list.
   * @example registry.neighbours('demo/360p', socket.id, 8)
   */
  neighbours(
    swarmId: string,
    self: string,
    count: number,
    exclude: Iterable<string> = [],
    locality: string | undefined = this.localities.localityOf(swarmId, self),
  ): string[] {
    const swarm = this.swarms.get(swarmId);
    if (!swarm) return [];
    const excluded = new Set(exclude);
    excluded.add(self);
    const local = this.localities.pool(swarmId, locality);
    return sampleLocalNeighbours(
      swarm.members,
      local,
      count,
      excluded,
      this.random,
      this.localityRandomShare,
    );
  }

  stats(): SwarmRegistryStats {
    let members = 0;
    for (const swarm of this.swarms.values()) members += swarm.members.length;
    return { swarms: this.swarms.size, members, peers: this.bySocket.size };
  }

  /** Forgets everyone. */
  clear(): void {
    this.swarms.clear();
    this.bySocket.clear();
    this.localities.clear();
  }
}
