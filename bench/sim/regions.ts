import { SwarmRegistry } from '../../signaling-server/src/signaling/swarm-registry.js';
import type { Random } from './random.js';

/**
 * Viewers in several regions, and whether the signaling server's neighbour lists prefer the
 * asker's region (the server's `sampleLocalNeighbours`, as with `X-Meshcast-Region`).
 */
export interface LocalityConfig {
  /** Regions viewers are spread over (by a hash of their id); 0 or 1: one region, not measured. */
  regions: number;
  /**
   * Share of each neighbour list drawn from the whole swarm (the server's
   * LOCALITY_RANDOM_SHARE); 1 is plain random neighbour selection.
   */
  randomShare: number;
}

export const DEFAULT_LOCALITY_CONFIG: LocalityConfig = { regions: 0, randomShare: 0.25 };

/** P2P payload bytes by whether they crossed regions, over the measured window. */
export interface RegionFigures {
  regions: number;
  randomShare: number;
  sameRegionBytes: number;
  crossRegionBytes: number;
  /** crossRegionBytes / all P2P payload bytes, %. */
  crossRegionPct: number;
}

/** The region of a viewer id: FNV-1a, so both modes of a run put each viewer in the same one. */
export function regionOf(id: string, regions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % Math.max(1, regions);
}

/** The real SwarmRegistry with every member's locality set from its region. */
class RegionalRegistry extends SwarmRegistry {
  constructor(
    random: Random,
    randomShare: number,
    private readonly localityOf: (id: string) => string,
  ) {
    super(random, randomShare);
  }

  override add(swarmId: string, peer: string, locality = this.localityOf(peer)): boolean {
    return super.add(swarmId, peer, locality);
  }

  override neighbours(
    swarmId: string,
    self: string,
    count: number,
    exclude: Iterable<string> = [],
    locality = this.localityOf(self),
  ): string[] {
    return super.neighbours(swarmId, self, count, exclude, locality);
  }
}

/**
 * The simulation's view of regions: the registry its signaling server uses, a per-transfer
 * byte counter and the figures over the measured window.
 */
export class SimRegions {
  readonly registry: SwarmRegistry;
  private measuring = false;
  private same = 0;
  private cross = 0;

  constructor(
    private readonly config: LocalityConfig,
    random: Random,
  ) {
    const k = config.regions;
    this.registry =
      k > 1
        ? new RegionalRegistry(random, config.randomShare, (id) => `r:${regionOf(id, k)}`)
        : new SwarmRegistry(random);
  }

  /** Starts counting (the measured window begins). */
  begin(): void {
    this.measuring = true;
    this.same = 0;
    this.cross = 0;
  }

  /** One transfer's payload from `from` to `to`. */
  readonly onPayload = (from: string, to: string, bytes: number): void => {
    const k = this.config.regions;
    if (!this.measuring || k <= 1) return;
    if (regionOf(from, k) === regionOf(to, k)) this.same += bytes;
    else this.cross += bytes;
  };

  /** The figures, or undefined with one region. */
  figures(): RegionFigures | undefined {
    if (this.config.regions <= 1) return undefined;
    return {
      regions: this.config.regions,
      randomShare: this.config.randomShare,
      sameRegionBytes: this.same,
      crossRegionBytes: this.cross,
      crossRegionPct: (100 * this.cross) / Math.max(1, this.same + this.cross),
    };
  }
}

/** `--regions K`: the same run twice, random neighbours and locality-aware ones. */
export function regionPair<C extends { locality: LocalityConfig }>(
  config: C,
  regions: number,
): C[] {
  const locality = { ...config.locality, regions };
  return [
    { ...config, locality: { ...locality, randomShare: 1 } },
    { ...config, locality },
  ];
}

/** Table rows for `formatTable` (empty unless a run has regions). */
export function regionRows<R extends { regions?: RegionFigures | undefined }>(
  results: readonly R[],
): [string, (r: R) => string][] {
  if (!results.some((r) => r.regions)) return [];
  return [
    [
      'neighbours (regions)',
      (r) =>
        r.regions === undefined
          ? '-'
          : r.regions.randomShare >= 1
            ? `random (${r.regions.regions})`
            : `locality, ${(100 * r.regions.randomShare).toFixed(0)}% random (${r.regions.regions})`,
    ],
    [
      'cross-region P2P bytes',
      (r) =>
        r.regions === undefined
          ? '-'
          : `${r.regions.crossRegionPct.toFixed(1)}% of ${(
              (r.regions.sameRegionBytes + r.regions.crossRegionBytes) /
              1e9
            ).toFixed(2)} GB`,
    ],
  ];
}
