/** Settings of the segment-integrity service (env: see config.ts). */
export interface IntegrityConfig {
  /** Hash segments and publish the hashes (env `INTEGRITY`, on|off). @default true */
  enabled: boolean;
  /**
   * How often each watched media playlist is polled, ms (env `INTEGRITY_POLL_MS`). A hash
   * reaches viewers up to this much later than a viewer polling at the same moment could
   * fetch and relay the segment. @default 500
   */
  pollMs: number;
  /**
   * A rendition is watched while its swarm has members on this server and this long after
   * the last one left, ms. @default 30000
   */
  lingerMs: number;
  /** Hashes sent to a viewer on join (the newest). @default 32 */
  joinHashes: number;
  /** The multivariant playlist of a channel is read again this often, ms. @default 60000 */
  variantRefreshMs: number;
  /** Timeout of one playlist or segment fetch, ms. @default 10000 */
  fetchTimeoutMs: number;
  /**
   * Distinct members of a swarm that must report a peer before the server stops offering it
   * as a neighbour (env `INTEGRITY_EXCLUDE_REPORTS`). @default 2
   */
  excludeAfterReports: number;
}

export const DEFAULT_INTEGRITY_CONFIG: IntegrityConfig = {
  enabled: true,
  pollMs: 500,
  lingerMs: 30_000,
  joinHashes: 32,
  variantRefreshMs: 60_000,
  fetchTimeoutMs: 10_000,
  excludeAfterReports: 2,
};

/** The defaults with `partial` applied; throws RangeError on a bad value. */
export function resolveIntegrityConfig(partial: Partial<IntegrityConfig> = {}): IntegrityConfig {
  const c = { ...DEFAULT_INTEGRITY_CONFIG, ...partial };
  const positive = ['pollMs', 'variantRefreshMs', 'fetchTimeoutMs'] as const;
  for (const k of positive) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new RangeError(`integrity: ${k} must be > 0`);
  }
  if (!(Number.isFinite(c.lingerMs) && c.lingerMs >= 0)) {
    throw new RangeError('integrity: lingerMs must be >= 0');
  }
  if (c.joinHashes > 64) throw new RangeError('integrity: joinHashes must be <= 64');
  for (const k of ['joinHashes', 'excludeAfterReports'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`integrity: ${k} must be >= 1`);
  }
  return c;
}
