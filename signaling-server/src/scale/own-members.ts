import type { SwarmRegistryStats } from '../signaling/swarm-directory.js';

/**
 * This server's own memberships, as plain bookkeeping (no neighbour sampling, which the
 * replica does): which swarms each of its peers is in, and counts for its /metrics.
 */
export class OwnMembers {
  private readonly bySocket = new Map<string, Set<string>>();
  private readonly swarmSizes = new Map<string, number>();
  private members = 0;

  /** False if `peer` was already in `swarm`. */
  add(swarmId: string, peer: string): boolean {
    let mine = this.bySocket.get(peer);
    if (mine?.has(swarmId)) return false;
    if (!mine) this.bySocket.set(peer, (mine = new Set()));
    mine.add(swarmId);
    this.swarmSizes.set(swarmId, (this.swarmSizes.get(swarmId) ?? 0) + 1);
    this.members++;
    return true;
  }

  /** False if `peer` was not in `swarm`. */
  remove(swarmId: string, peer: string): boolean {
    const mine = this.bySocket.get(peer);
    if (!mine?.delete(swarmId)) return false;
    if (mine.size === 0) this.bySocket.delete(peer);
    const size = (this.swarmSizes.get(swarmId) ?? 1) - 1;
    if (size > 0) this.swarmSizes.set(swarmId, size);
    else this.swarmSizes.delete(swarmId);
    this.members--;
    return true;
  }

  swarmsOf(peer: string): string[] {
    return [...(this.bySocket.get(peer) ?? [])];
  }

  stats(): SwarmRegistryStats {
    return { swarms: this.swarmSizes.size, members: this.members, peers: this.bySocket.size };
  }

  clear(): void {
    this.bySocket.clear();
    this.swarmSizes.clear();
    this.members = 0;
  }
}
