/**
 * Who reported whom for sending corrupt segments, per swarm, in one server process. A peer
 * is excluded (never offered as a neighbour, its signals no longer relayed) once
 * `threshold` distinct members reported it: one liar alone cannot get an honest peer
 * excluded by reporting it. Peer ids are socket ids and die with the connection, so
 * {@link PeerReports.forget} on disconnect keeps this bounded.
 */
export class PeerReports {
  /** swarm -> reported peer -> its reporters. */
  private readonly reports = new Map<string, Map<string, Set<string>>>();
  private readonly excludedBySwarm = new Map<string, Set<string>>();
  private reportCount = 0;

  /** @param threshold distinct reporters that exclude a peer (>= 1). @default 2 */
  constructor(readonly threshold = 2) {
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new RangeError(`PeerReports: threshold must be an integer >= 1, got ${threshold}`);
    }
  }

  /**
   * Records that `reporter` reported `peer` in `swarm`; a repeated report counts once.
   * Returns the distinct reporters so far and whether the peer is now excluded.
   */
  report(swarm: string, reporter: string, peer: string): { reporters: number; excluded: boolean } {
    this.reportCount++;
    let bySwarm = this.reports.get(swarm);
    if (!bySwarm) this.reports.set(swarm, (bySwarm = new Map<string, Set<string>>()));
    let reporters = bySwarm.get(peer);
    if (!reporters) bySwarm.set(peer, (reporters = new Set()));
    reporters.add(reporter);
    const excluded = reporters.size >= this.threshold;
    if (excluded) {
      let set = this.excludedBySwarm.get(swarm);
      if (!set) this.excludedBySwarm.set(swarm, (set = new Set()));
      set.add(peer);
    }
    return { reporters: reporters.size, excluded };
  }

  /** Reports accepted so far (repeats included), for /metrics. */
  get total(): number {
    return this.reportCount;
  }

  /** Peers excluded now, over every swarm. */
  excludedCount(): number {
    let n = 0;
    for (const set of this.excludedBySwarm.values()) n += set.size;
    return n;
  }

  /** Peers of `swarm` not to offer as neighbours. */
  excluded(swarm: string): ReadonlySet<string> {
    return this.excludedBySwarm.get(swarm) ?? EMPTY;
  }

  isExcluded(swarm: string, peer: string): boolean {
    return this.excludedBySwarm.get(swarm)?.has(peer) ?? false;
  }

  /** The distinct members that reported `peer` in `swarm`. */
  reportersOf(swarm: string, peer: string): string[] {
    return [...(this.reports.get(swarm)?.get(peer) ?? [])];
  }

  /** Whether any report or exclusion names `peer` (as reported peer or as reporter). */
  knows(peer: string): boolean {
    for (const set of this.excludedBySwarm.values()) if (set.has(peer)) return true;
    for (const bySwarm of this.reports.values()) {
      if (bySwarm.has(peer)) return true;
      for (const reporters of bySwarm.values()) if (reporters.has(peer)) return true;
    }
    return false;
  }

  /** Drops a peer that disconnected, as reported peer and as reporter. */
  forget(peer: string): void {
    for (const [swarm, bySwarm] of this.reports) {
      bySwarm.delete(peer);
      for (const [target, reporters] of bySwarm) {
        reporters.delete(peer);
        if (reporters.size === 0) bySwarm.delete(target);
      }
      if (bySwarm.size === 0) this.reports.delete(swarm);
    }
    for (const [swarm, set] of this.excludedBySwarm) {
      set.delete(peer);
      if (set.size === 0) this.excludedBySwarm.delete(swarm);
    }
  }

  clear(): void {
    this.reports.clear();
    this.excludedBySwarm.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
