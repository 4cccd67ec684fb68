/** Members of one locality of one swarm: an array for O(1) random picks, an index for removal. */
interface Pool {
  /** The locality key every member's entry shares (one copy, not one per join). */
  locality: string;
  members: string[];
  index: Map<string, number>;
}

const NO_MEMBERS: readonly string[] = [];

/**
 * The members of each swarm grouped by locality key, in memory, so that a locality-aware
 * sample costs O(count) like a plain one. Pure bookkeeping beside the SwarmRegistry.
 */
export class LocalityIndex {
  /** swarm -> locality -> pool */
  private readonly pools = new Map<string, Map<string, Pool>>();
  /** swarm -> peer -> locality */
  private readonly localities = new Map<string, Map<string, string>>();

  /** Records `peer`'s locality in `swarm` (moving it if it had another one). */
  add(swarmId: string, peer: string, locality: string): void {
    const previous = this.localityOf(swarmId, peer);
    if (previous === locality) return;
    if (previous !== undefined) this.remove(swarmId, peer);
    let byLocality = this.pools.get(swarmId);
    if (!byLocality) this.pools.set(swarmId, (byLocality = new Map<string, Pool>()));
    let pool = byLocality.get(locality);
    if (!pool) byLocality.set(locality, (pool = { locality, members: [], index: new Map() }));
    let byPeer = this.localities.get(swarmId);
    if (!byPeer) this.localities.set(swarmId, (byPeer = new Map<string, string>()));
    byPeer.set(peer, pool.locality);
    pool.index.set(peer, pool.members.length);
    pool.members.push(peer);
  }

  /** Forgets `peer` in `swarm`; harmless if it was not there. */
  remove(swarmId: string, peer: string): void {
    const byPeer = this.localities.get(swarmId);
    const locality = byPeer?.get(peer);
    if (!byPeer || locality === undefined) return;
    byPeer.delete(peer);
    if (byPeer.size === 0) this.localities.delete(swarmId);
    const byLocality = this.pools.get(swarmId);
    const pool = byLocality?.get(locality);
    const at = pool?.index.get(peer);
    if (!byLocality || !pool || at === undefined) return;
    const last = pool.members.pop();
    if (last !== undefined && last !== peer) {
      pool.members[at] = last;
      pool.index.set(last, at);
    }
    pool.index.delete(peer);
    if (pool.members.length > 0) return;
    byLocality.delete(locality);
    if (byLocality.size === 0) this.pools.delete(swarmId);
  }

  /** The locality recorded for `peer` in `swarm`. */
  localityOf(swarmId: string, peer: string): string | undefined {
    return this.localities.get(swarmId)?.get(peer);
  }

  /** The members of `swarm` with `locality` (a live view: do not keep it across changes). */
  pool(swarmId: string, locality: string | undefined): readonly string[] {
    if (locality === undefined) return NO_MEMBERS;
    return this.pools.get(swarmId)?.get(locality)?.members ?? NO_MEMBERS;
  }

  /** Localities with at least one member in `swarm`. */
  localityCount(swarmId: string): number {
    return this.pools.get(swarmId)?.size ?? 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.pools.clear();
    this.localities.clear();
  }
}
