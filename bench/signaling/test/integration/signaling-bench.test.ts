import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNALING_BENCH_OPTIONS, type SignalingBenchOptions } from '../../options.js';
import { runServer } from '../../run-server.js';

// A tiny run of the benchmark against both servers: it keeps working as the protocols move.
const options: SignalingBenchOptions = {
  ...DEFAULT_SIGNALING_BENCH_OPTIONS,
  peers: 60,
  swarms: 3,
  offers: 4,
  concurrency: 20,
  rate: 200,
  steadySeconds: 1,
  saturationSeconds: 1,
  window: 50,
  settleMs: 3000,
  pin: false,
};

describe('signaling bench', () => {
  it.each(['meshcast', 'tracker'] as const)(
    'joins, relays and leaves against %s',
    async (kind) => {
      const result = await runServer(kind, options, () => undefined);
      expect(result.ramp.held).toBe(60);
      expect(result.serverMembers).toBe(60);
      // Every join sends up to 4 offers and each offer is answered.
      expect(result.ramp.handshakes).toBeGreaterThan(100);
      expect(result.ramp.handshakes % 2).toBe(0);
      expect(result.steady.sent).toBe(200);
      expect(result.steady.delivered).toBe(200);
      expect(result.steady.latencyMs.p99).toBeGreaterThan(0);
      expect(result.saturation.deliveredPerSec).toBeGreaterThan(0);
      expect(result.saturation.lost).toBe(0);
      expect(result.saturation.serverErrors).toBe(0);
      expect(result.leave.left).toBe(60);
      expect(result.leave.membersAfter).toBe(0);
      expect(result.memory.idleRssBytes).toBeGreaterThan(10 * 2 ** 20);
      expect(result.serverCpuSeconds).toBeGreaterThan(0);
    },
    60_000,
  );
});
