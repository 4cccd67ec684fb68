import type { QoeReport } from '@meshcast/client/signaling';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import { describeIssues } from '../signaling/schemas.js';
import type { QoeAggregator } from './qoe-aggregator.js';
import type { QoeMetrics, ReportRejection } from './qoe-metrics.js';
import { qoeReportSchema } from './report-schema.js';

/** What became of a report. */
export type IntakeResult =
  { ok: true; report: QoeReport } | { ok: false; reason: ReportRejection; message: string };

/**
 * The one door for player reports, from the socket and from `POST /api/qoe` alike:
 * validates the payload, checks that the channel exists and is enabled, hands the report to
 * the aggregator and counts refusals.
 */
export class QoeIntake {
  constructor(
    private readonly channels: Pick<ChannelRegistry, 'get'>,
    private readonly aggregator: Pick<QoeAggregator, 'ingest'>,
    private readonly metrics?: Pick<QoeMetrics, 'rejected'>,
  ) {}

  async accept(payload: unknown): Promise<IntakeResult> {
    const parsed = qoeReportSchema.safeParse(payload);
    if (!parsed.success) return this.refuse('invalid', describeIssues(parsed.error));
    const report = parsed.data;
    const channel = await this.channels.get(report.channel);
    if (!channel) return this.refuse('unknown-channel', `no channel '${report.channel}'`);
    if (!channel.enabled) {
      return this.refuse('channel-disabled', `channel '${report.channel}' is disabled`);
    }
    if (!this.aggregator.ingest(report)) {
      return this.refuse('too-many-sessions', 'too many viewer sessions; try later');
    }
    return { ok: true, report };
  }

  private refuse(reason: ReportRejection, message: string): IntakeResult {
    this.metrics?.rejected(reason);
    return { ok: false, reason, message };
  }
}
