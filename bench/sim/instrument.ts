import createDebug from 'debug';

/** What the sessions decided, counted from their debug lines (namespace meshcast:session). */
export interface SessionTrace {
  /** CDN fetches by the scheduler's reason: seeder, backup, deadline, alone, retry. */
  cdnReasons: Record<string, number>;
  /** Peer transfers the scheduler cancelled, by reason: stalled, too-slow. */
  cancels: Record<string, number>;
  /** Peer requests started. */
  peerRequests: number;
  /**
   * Range requests completing a peer transfer's head: to the CDN (`requests`, `headBytes`) and
   * to a peer (`peerRequests`, `peerHeadBytes`).
   */
  ranges: Record<string, number>;
}

export function createSessionTrace(): SessionTrace {
  return { cdnReasons: {}, cancels: {}, peerRequests: 0, ranges: {} };
}

/**
 * Counts the sessions' decisions without touching the core: enables the `meshcast:session`
 * debug namespace and replaces debug's output with a counter keyed on the format strings.
 */
export function traceSessions(
  trace: SessionTrace,
  follow?: { id: string; now: () => number },
): void {
  const bump = (map: Record<string, number>, key: unknown): void => {
    const k = String(key);
    map[k] = (map[k] ?? 0) + 1;
  };
  createDebug.formatArgs = () => undefined;
  createDebug.log = (...args: unknown[]) => {
    if (follow && args[1] === follow.id) {
      const [format, ...rest] = args as [string, ...unknown[]];
      console.error(`${(follow.now() / 1000).toFixed(3)} ${format}`, ...rest);
    }
    switch (args[0]) {
      case '%s cdn %d (%s)':
        bump(trace.cdnReasons, args[3]);
        return;
      case '%s cancel %d from %s (%s)':
        bump(trace.cancels, args[4]);
        return;
      case '%s cdn %d from byte %d':
        bump(trace.ranges, 'requests');
        trace.ranges.headBytes = (trace.ranges.headBytes ?? 0) + Number(args[3]);
        return;
      case '%s peer %d from %s':
        trace.peerRequests++;
        return;
      case '%s peer %d from %s, from byte %d':
        trace.peerRequests++;
        bump(trace.ranges, 'peerRequests');
        trace.ranges.peerHeadBytes = (trace.ranges.peerHeadBytes ?? 0) + Number(args[4]);
        return;
    }
  };
  createDebug.enable('meshcast:session');
}

/** Moments of a segment's life at a viewer, for the timing figures. */
export type TimingEvent = 'peer-request' | 'peer-done' | 'cdn-request' | 'cdn-done';

/**
 * When things happen relative to a segment's publication and to the viewer's deadline for it
 * (the playhead reaching the segment), sampled over the measurement window.
 */
export class TimingProbe {
  readonly sincePublish: Record<TimingEvent, number[]> = {
    'peer-request': [],
    'peer-done': [],
    'cdn-request': [],
    'cdn-done': [],
  };
  readonly deadline: Record<TimingEvent, number[]> = {
    'peer-request': [],
    'peer-done': [],
    'cdn-request': [],
    'cdn-done': [],
  };
  active = false;

  record(event: TimingEvent, sincePublishMs: number, deadlineMs: number | undefined): void {
    if (!this.active) return;
    this.sincePublish[event].push(sincePublishMs);
    if (deadlineMs !== undefined) this.deadline[event].push(deadlineMs);
  }
}
