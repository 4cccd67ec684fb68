/** How the server aggregates player reports. */
export interface QoeAggregatorConfig {
  /** A viewer without a report for this long is gone. @default 15000 */
  viewerTimeoutMs: number;
  /** Time between history points (and throughput intervals). @default 10000 */
  sampleIntervalMs: number;
  /** History points kept per channel: 360 × 10 s = one hour. @default 360 */
  historyPoints: number;
  /**
   * How long a session's counters are remembered after its last report, so that a report
   * after a pause (or a beacon after the socket's final report) is not counted twice.
   * @default 600000
   */
  sessionRetentionMs: number;
  /** Most sessions tracked at once over all channels; reports of new ones beyond are refused. @default 100000 */
  maxSessions: number;
}

export const DEFAULT_QOE_AGGREGATOR_CONFIG: QoeAggregatorConfig = {
  viewerTimeoutMs: 15_000,
  sampleIntervalMs: 10_000,
  historyPoints: 360,
  sessionRetentionMs: 600_000,
  maxSessions: 100_000,
};

/** Thrown for a bad aggregator configuration. */
export class QoeConfigError extends Error {
  readonly type = 'qoe-config' as const;
}

/** Defaults overlaid with `partial`; throws QoeConfigError naming a bad field. */
export function mergeQoeConfig(partial: Partial<QoeAggregatorConfig> = {}): QoeAggregatorConfig {
  const config = { ...DEFAULT_QOE_AGGREGATOR_CONFIG, ...partial };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new QoeConfigError(`${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (config.sessionRetentionMs < config.viewerTimeoutMs) {
    throw new QoeConfigError('sessionRetentionMs must be at least viewerTimeoutMs');
  }
  return config;
}
