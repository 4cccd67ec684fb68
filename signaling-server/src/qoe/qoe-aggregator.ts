import type { ChannelQoe, ChannelQoePoint, QoeReport } from '@meshcast/client/signaling';
import { channelFigures, type ChannelRates } from './channel-figures.js';
import { HistoryRing } from './history-ring.js';
import { mergeQoeConfig, type QoeAggregatorConfig } from './qoe-config.js';

/** Monotonic per-channel sums of what viewers reported (for Prometheus counters). */
export interface ChannelTotals {
  reports: number;
  cdnBytes: number;
  p2pBytes: number;
  uploadBytes: number;
  stalls: number;
  stallMs: number;
}

/** Clock and timers, injected for tests. */
export interface QoeAggregatorPlatform {
  now: () => number;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
}

/** A live viewer's latest report and when it arrived (ms, the aggregator's clock). */
export interface LiveSession {
  report: QoeReport;
  seenAt: number;
}

/** What {@link QoeAggregator.snapshot} returns. */
export interface QoeSnapshot {
  live: LiveSession[];
  rates: ChannelRates;
}

interface Session {
  channel: string;
  report: QoeReport;
  seenAt: number;
}

interface ChannelState {
  sessions: Map<string, Session>;
  totals: ChannelTotals;
  pending: { cdn: number; p2p: number };
  rates: ChannelRates;
  sampledAt: number;
  history: HistoryRing<ChannelQoePoint>;
}

const COUNTERS = ['cdnBytes', 'p2pBytes', 'uploadBytes', 'stalls', 'stallMs'] as const;

/**
 * Player reports -> per-channel figures. Keeps the latest report of each session; a session
 * is a live viewer until its final report or {@link QoeAggregatorConfig.viewerTimeoutMs} of
 * silence. Every `sampleIntervalMs` it turns byte deltas into throughput and appends a point
 * to each channel's history ring. Callers check that the channel exists first.
 */
export class QoeAggregator {
  readonly config: QoeAggregatorConfig;
  private readonly channels = new Map<string, ChannelState>();
  private readonly sessionChannel = new Map<string, string>();
  private readonly platform: QoeAggregatorPlatform;
  private readonly timer: unknown;
  private destroyed = false;

  constructor(
    config: Partial<QoeAggregatorConfig> = {},
    platform?: Partial<QoeAggregatorPlatform>,
  ) {
    this.config = mergeQoeConfig(config);
    this.platform = {
      now: Date.now,
      setInterval: (fn, ms) => setInterval(fn, ms).unref(),
      clearInterval: (h) => {
        clearInterval(h as NodeJS.Timeout);
      },
      ...platform,
    };
    this.timer = this.platform.setInterval(() => {
      this.sample();
    }, this.config.sampleIntervalMs);
  }

  /** Takes a validated report; false when it starts a session beyond `maxSessions`. */
  ingest(report: QoeReport): boolean {
    if (this.destroyed) return false;
    const now = this.platform.now();
    const previousChannel = this.sessionChannel.get(report.sessionId);
    let previous = previousChannel
      ? this.channels.get(previousChannel)?.sessions.get(report.sessionId)
      : undefined;
    if (!previous && this.sessionChannel.size >= this.config.maxSessions) return false;
    if (previous && previousChannel !== report.channel) {
      // The same player moved to another channel: its counters go on, its old entry goes.
      this.channels.get(previous.channel)?.sessions.delete(report.sessionId);
    }
    const state = this.state(report.channel, now);
    state.totals.reports++;
    // A session first heard long after it started (a server restart, a viewer moved over
    // from another server) is a baseline: its past bytes are not this interval's throughput.
    const lateJoin = !previous && report.playMs + report.stallMs > this.config.viewerTimeoutMs;
    for (const key of lateJoin ? [] : COUNTERS) {
      // Counters are cumulative per session; one that went down restarts from zero.
      const before = previous?.report[key] ?? 0;
      const delta = report[key] >= before ? report[key] - before : report[key];
      state.totals[key] += delta;
      if (key === 'cdnBytes') state.pending.cdn += delta;
      if (key === 'p2pBytes') state.pending.p2p += delta;
    }
    previous = { channel: report.channel, report: structuredClone(report), seenAt: now };
    state.sessions.set(report.sessionId, previous);
    this.sessionChannel.set(report.sessionId, report.channel);
    return true;
  }

  /** The figures of a channel now (throughput: the last sample interval). */
  current(channel: string): ChannelQoe {
    const state = this.channels.get(channel);
    const rates = state?.rates ?? { cdnBytesPerSec: 0, p2pBytesPerSec: 0 };
    return channelFigures(state ? this.live(state, this.platform.now()) : [], rates);
  }

  /**
   * The latest report of each live viewer of a channel with when it came, and the channel's
   * throughput over the last interval: what servers sharing one Redis merge (`scale/`).
   */
  snapshot(channel: string): QoeSnapshot {
    const state = this.channels.get(channel);
    if (!state) return { live: [], rates: { cdnBytesPerSec: 0, p2pBytesPerSec: 0 } };
    const now = this.platform.now();
    const live: LiveSession[] = [];
    for (const s of state.sessions.values()) {
      if (s.report.final !== true && now - s.seenAt <= this.config.viewerTimeoutMs) {
        live.push({ report: s.report, seenAt: s.seenAt });
      }
    }
    return { live, rates: { ...state.rates } };
  }

  /** A channel's history, oldest first. */
  history(channel: string): ChannelQoePoint[] {
    return this.channels.get(channel)?.history.toArray() ?? [];
  }

  /** Running sums for a channel since the server started (or since it was forgotten). */
  totals(channel: string): ChannelTotals | undefined {
    const totals = this.channels.get(channel)?.totals;
    return totals && { ...totals };
  }

  /** Channels with sessions or recent history. */
  channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** Drops a channel's sessions, history and totals (the channel was deleted). */
  forget(channel: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    for (const sessionId of state.sessions.keys()) this.sessionChannel.delete(sessionId);
    this.channels.delete(channel);
  }

  /**
   * Closes an interval: throughput from byte deltas, one history point per channel, and
   * cleanup of old sessions and of channels that stayed empty for a whole history. Runs on
   * the timer; tests call it directly.
   */
  sample(): void {
    const now = this.platform.now();
    for (const [channel, state] of this.channels) {
      // A channel's first interval is partial, but its bytes took a whole interval or more.
      const seconds = Math.max(now - state.sampledAt, this.config.sampleIntervalMs) / 1000;
      state.rates = {
        cdnBytesPerSec: state.pending.cdn / seconds,
        p2pBytesPerSec: state.pending.p2p / seconds,
      };
      state.pending = { cdn: 0, p2p: 0 };
      state.sampledAt = now;
      state.history.push({ t: now, ...channelFigures(this.live(state, now), state.rates) });
      for (const [sessionId, s] of state.sessions) {
        if (now - s.seenAt > this.config.sessionRetentionMs) {
          state.sessions.delete(sessionId);
          this.sessionChannel.delete(sessionId);
        }
      }
      const idle = state.history.size === state.history.capacity;
      if (state.sessions.size === 0 && idle && state.history.every((p) => p.viewers === 0)) {
        this.channels.delete(channel);
      }
    }
  }

  /** Stops the timer and forgets everything; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.platform.clearInterval(this.timer);
    this.channels.clear();
    this.sessionChannel.clear();
  }

  private live(state: ChannelState, now: number): QoeReport[] {
    const reports: QoeReport[] = [];
    for (const s of state.sessions.values()) {
      if (s.report.final !== true && now - s.seenAt <= this.config.viewerTimeoutMs) {
        reports.push(s.report);
      }
    }
    return reports;
  }

  private state(channel: string, now: number): ChannelState {
    let state = this.channels.get(channel);
    if (!state) {
      state = {
        sessions: new Map(),
        totals: { reports: 0, cdnBytes: 0, p2pBytes: 0, uploadBytes: 0, stalls: 0, stallMs: 0 },
        pending: { cdn: 0, p2p: 0 },
        rates: { cdnBytesPerSec: 0, p2pBytesPerSec: 0 },
        sampledAt: now,
        history: new HistoryRing(this.config.historyPoints),
      };
      this.channels.set(channel, state);
    }
    return state;
  }
}
