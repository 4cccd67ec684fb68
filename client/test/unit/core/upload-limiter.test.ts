import { describe, expect, it } from 'vitest';
import { PeerError } from '../../../src/core/peer-error.js';
import { PeerRequests } from '../../../src/core/peer-requests.js';
import { PeerServer } from '../../../src/core/peer-server.js';
import {
  DEFAULT_UPLOAD_CONFIG,
  UploadLimiter,
  resolveUploadConfig,
  type UploadPlatform,
} from '../../../src/core/upload-limiter.js';
import type { WireMessage } from '../../../src/core/wire.js';

/** A virtual clock with timers; `advance` runs due timers and lets promises settle. */
function fakePlatform(): UploadPlatform & { advance: (ms: number) => Promise<void> } {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      timers.delete(h as number);
    },
    advance: async (ms) => {
      const end = now + ms;
      await settle();
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.at <= end)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

describe('UploadLimiter', () => {
  it('validates its config', () => {
    expect(resolveUploadConfig()).toEqual(DEFAULT_UPLOAD_CONFIG);
    expect(() => resolveUploadConfig({ capBytesPerSec: -1 })).toThrow(RangeError);
    expect(() => resolveUploadConfig({ slots: 0 })).toThrow(RangeError);
    expect(() => resolveUploadConfig({ slots: 1.5 })).toThrow(RangeError);
    expect(() => resolveUploadConfig({ initialRate: 0 })).toThrow(RangeError);
  });

  it('keeps the served bytes per second under the cap', async () => {
    const platform = fakePlatform();
    const cap = 50_000;
    const upload = new UploadLimiter({ capBytesPerSec: cap }, platform);
    let sent = 0;
    const perSecond: number[] = [];
    const state = { stop: false };
    const sender = (async () => {
      while (!state.stop) {
        await upload.take(16_000);
        sent += 16_000;
      }
    })();
    for (let s = 0; s < 20; s++) {
      const before = sent;
      await platform.advance(1000);
      perSecond.push(sent - before);
    }
    state.stop = true;
    upload.destroy();
    await sender;
    // Past the first second (one burst), every second stays at or under the cap + one chunk.
    for (const bytes of perSecond.slice(1)) expect(bytes).toBeLessThanOrEqual(cap + 16_000);
    const mean = perSecond.slice(1).reduce((a, b) => a + b, 0) / (perSecond.length - 1);
    expect(mean).toBeLessThanOrEqual(cap);
    expect(mean).toBeGreaterThan(cap * 0.8); // and it does not starve either
  });

  it('sends without waiting when there is no cap', async () => {
    const platform = fakePlatform();
    const upload = new UploadLimiter({}, platform);
    for (let i = 0; i < 100; i++) await upload.take(16_000);
    expect(platform.now()).toBe(0);
  });

  it('grants slots in request order and estimates the wait of a new request', async () => {
    const platform = fakePlatform();
    const upload = new UploadLimiter({ slots: 1, initialRate: 100 }, platform);
    const order: string[] = [];
    const releaseA = await upload.slot(100_000);
    expect(upload.waitMs()).toBe(1000); // 100 KB ahead at 100 B/ms
    const b = upload.slot(50_000).then((release) => {
      order.push('b');
      return release;
    });
    const c = upload.slot(50_000).then((release) => {
      order.push('c');
      return release;
    });
    await platform.advance(0);
    expect(order).toEqual([]);
    expect(upload.waitMs()).toBe(2000);
    await upload.take(100_000);
    releaseA();
    const releaseB = await b;
    expect(order).toEqual(['b']);
    releaseB();
    releaseB(); // twice is harmless
    (await c)();
    expect(order).toEqual(['b', 'c']);
    expect(upload.waitMs()).toBe(0);
  });
});

describe('PeerServer with an UploadLimiter', () => {
  const segment = new Uint8Array(100_000).fill(7);

  function server(upload: UploadLimiter, maxServingWaitMs = 1000) {
    const sent: WireMessage[] = [];
    const s = new PeerServer(
      { maxServingQueue: 8, highWaterMark: 1 << 30, maxServingWaitMs },
      {
        provide: () => segment,
        send: (m) => sent.push(m),
        bufferedAmount: () => 0,
        uploaded: () => undefined,
        upload,
      },
    );
    return { s, sent };
  }

  it('serves at most the cap', async () => {
    const platform = fakePlatform();
    const upload = new UploadLimiter({ capBytesPerSec: 20_000 }, platform);
    const { s, sent } = server(upload);
    s.request(1, 5);
    await platform.advance(2000);
    const bytes = sent.reduce((sum, m) => sum + (m.type === 'data' ? m.chunk.length : 0), 0);
    expect(bytes).toBeLessThanOrEqual(20_000 * 2 + 16_384);
    expect(bytes).toBeGreaterThan(20_000);
    await platform.advance(5000);
    expect(s.bytesSent).toBe(segment.length);
    s.destroy();
    upload.destroy();
  });

  it('answers busy, with its wait, when the shared upload is saturated', async () => {
    const platform = fakePlatform();
    const upload = new UploadLimiter({ capBytesPerSec: 10_000, slots: 1 }, platform);
    const a = server(upload, 500);
    const b = server(upload, 500);
    a.s.request(1, 5);
    await platform.advance(0);
    b.s.request(9, 5);
    const busy = b.sent.find((m) => m.type === 'busy');
    expect(busy).toMatchObject({ type: 'busy', requestId: 9, seq: 5 });
    expect(busy?.type === 'busy' && busy.waitMs).toBeGreaterThan(500);
    expect(b.sent.some((m) => m.type === 'data')).toBe(false);
    a.s.destroy();
    b.s.destroy();
    upload.destroy();
  });
});

describe('PeerRequests and a busy answer', () => {
  it('rejects the request with busy and remembers until when the remote is saturated', async () => {
    let now = 5000;
    const sent: WireMessage[] = [];
    const requests = new PeerRequests(
      { requestTimeoutMs: 4000, maxPendingRequests: 4, throughputHalfLifeMs: 2000 },
      { send: (m) => sent.push(m), now: () => now, protocolError: () => undefined },
    );
    const pending = requests.request(42, {});
    const req = sent[0];
    expect(req?.type).toBe('request');
    const requestId = req?.type === 'request' ? req.requestId : -1;
    expect(requests.busy(requestId, 41, 900)).toBe(false); // wrong seq: ignored
    expect(requests.busy(requestId, 42, 900)).toBe(true);
    const err: unknown = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).type).toBe('busy');
    expect(requests.busyUntil).toBe(5900);
    expect(requests.pending).toBe(0);
    now = 6000;
    expect(requests.busy(requestId, 42, 100)).toBe(false); // already settled
    expect(requests.busyUntil).toBe(5900);
  });
});
