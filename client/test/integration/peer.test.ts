import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import SimplePeer from 'simple-peer';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK_PEER_OPTIONS, relaySignals, wrtc } from '../../../test/support/node-webrtc.js';
import { candidateAddress, isLoopbackAddress } from '../../src/core/ice-filter.js';
import { PeerError } from '../../src/core/peer-error.js';
import { Peer, type PeerConfig, type PeerOptions } from '../../src/core/peer.js';
import { WireError, decode, encode, type WireMessage } from '../../src/core/wire.js';
import { until } from '../../../test/support/wait.js';

const SEG0 = new Uint8Array(
  readFileSync(
    fileURLToPath(new URL('../../../signaling-server/assets/demo/360p/seg0.ts', import.meta.url)),
  ),
);

/** A synthetic segment of `n` bytes. */
function segment(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 13 + 1) & 0xff;
  return out;
}

/** Byte-exact comparison (vitest's deep equality is slow on large typed arrays). */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function makePeer(
  id: string,
  initiator: boolean,
  segments = new Map<number, Uint8Array>(),
  config: Partial<PeerConfig> = {},
): Peer {
  const options: PeerOptions = {
    ...LOOPBACK_PEER_OPTIONS,
    iceServers: [],
    id,
    initiator,
    config,
    provide: (seq) => segments.get(seq),
  };
  const peer = new Peer(options);
  cleanups.push(() => peer.destroy());
  return peer;
}

function connected(peer: { once(event: 'connect', fn: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => peer.once('connect', resolve));
}

/** Two real Peers connected over loopback; `b` serves `segments`. */
async function pair(
  segments = new Map<number, Uint8Array>(),
  configA: Partial<PeerConfig> = {},
  configB: Partial<PeerConfig> = {},
): Promise<{ a: Peer; b: Peer; candidates: string[] }> {
  const a = makePeer('b', true, new Map(), configA);
  const b = makePeer('a', false, segments, configB);
  const candidates: string[] = [];
  for (const p of [a, b]) {
    p.on('signal', (data) => {
      const line = (data as { candidate?: { candidate?: string } }).candidate?.candidate;
      if (line) candidates.push(line);
    });
  }
  relaySignals(a, b);
  await Promise.all([connected(a), connected(b)]);
  return { a, b, candidates };
}

/** A Peer connected to a bare simple-peer that the test drives by hand. */
async function peerWithRaw(
  config: Partial<PeerConfig> = {},
): Promise<{ peer: Peer; raw: SimplePeer.Instance; received: WireMessage[] }> {
  const peer = makePeer('raw', true, new Map(), config);
  const raw = new SimplePeer({ wrtc, objectMode: true, config: { iceServers: [] } });
  cleanups.push(() => {
    raw.destroy();
  });
  raw.on('error', () => undefined);
  const received: WireMessage[] = [];
  raw.on('data', (data: Uint8Array) => received.push(decode(data)));
  relaySignals(peer, raw);
  await Promise.all([connected(peer), connected(raw)]);
  return { peer, raw, received };
}

async function rejection(p: Promise<unknown>): Promise<PeerError> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PeerError);
  return err as PeerError;
}

function closed(peer: Peer): Promise<void> {
  return new Promise((resolve) => peer.once('close', resolve));
}

describe('Peer over real WebRTC (node-datachannel, loopback)', () => {
  it('connects with loopback candidates only', async () => {
    const { a, b, candidates } = await pair();
    expect(a.connected && b.connected).toBe(true);
    expect(a.id).toBe('b');
    expect(candidates.length).toBeGreaterThan(0);
    for (const line of candidates)
      expect(isLoopbackAddress(candidateAddress(line) ?? '')).toBe(true);
  });

  it('propagates have-map and have-delta', async () => {
    const { a, b } = await pair();
    const seen: number[][] = [];
    b.on('have', (seqs) => seen.push([...seqs].sort((x, y) => x - y)));
    a.sendHaveMap([5, 3, 4, 4]);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual([3, 4, 5]);
    a.sendHaveDelta([6, 7], [3]);
    await until(() => seen.length === 2);
    expect(seen[1]).toEqual([4, 5, 6, 7]);
    expect([...b.remoteHave].sort((x, y) => x - y)).toEqual([4, 5, 6, 7]);
    a.sendHaveMap([]);
    await until(() => seen.length === 3);
    expect(b.remoteHave.size).toBe(0);
  });

  it('transfers a real demo segment byte-exact, with progress, counters and throughput', async () => {
    const { a, b } = await pair(new Map([[0, SEG0]]));
    let uploaded = 0;
    b.on('uploaded', (bytes, seq) => {
      expect(seq).toBe(0);
      uploaded += bytes;
    });
    const progress: [number, number][] = [];
    expect(a.throughput()).toBeUndefined();
    const bytes = await a.request(0, { onProgress: (r, t) => progress.push([r, t]) });
    expect(sameBytes(bytes, SEG0)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([SEG0.length, SEG0.length]);
    expect(a.bytesReceived).toBe(SEG0.length);
    expect(b.bytesSent).toBe(SEG0.length);
    expect(uploaded).toBe(SEG0.length);
    expect(a.pendingRequests).toBe(0);
    expect(a.throughput()).toBeGreaterThan(0);
    // Both directions work on one connection.
    expect(await rejection(b.request(0))).toMatchObject({ type: 'absent' });
  });

  it('sends the rest of a segment from an offset (a ranged request), byte-exact', async () => {
    const { a, b } = await pair(new Map([[0, SEG0]]));
    const from = 100_001;
    const progress: [number, number][] = [];
    const offsets: number[] = [];
    const rest = await a.request(0, {
      from,
      onProgress: (r, t) => progress.push([r, t]),
      onData: (offset) => offsets.push(offset),
    });
    expect(sameBytes(rest, SEG0.subarray(from))).toBe(true);
    expect(offsets[0]).toBe(from);
    expect(progress.at(-1)).toEqual([SEG0.length, SEG0.length]);
    expect(b.bytesSent).toBe(SEG0.length - from);
    expect(a.bytesReceived).toBe(SEG0.length - from);
    await expect(a.request(0, { from: -1 })).rejects.toThrow(RangeError);
  });

  it('rejects a segment the remote does not hold with absent, and forgets it', async () => {
    const { a, b } = await pair();
    b.sendHaveMap([99]);
    await until(() => a.remoteHave.has(99));
    expect((await rejection(a.request(99))).type).toBe('absent');
    expect(a.remoteHave.has(99)).toBe(false);
  });

  it('times out when the remote never answers, and tells it to stop', async () => {
    const { peer, received } = await peerWithRaw({ requestTimeoutMs: 300 });
    const started = performance.now();
    const err = await rejection(peer.request(7));
    expect(err.type).toBe('timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await until(() => received.length === 2);
    const request = received[0];
    expect(request).toMatchObject({ type: 'request', seq: 7 });
    expect(received[1]).toEqual({
      type: 'cancel',
      requestId: (request as { requestId: number }).requestId,
    });
    expect(peer.pendingRequests).toBe(0);
    expect(peer.connected).toBe(true);
  });

  // Up to ~2 MiB may already sit in libdatachannel's SCTP buffers, which bufferedAmount does not
  // count; a 16 MiB segment leaves a clear margin.
  it('cancels mid-transfer by signal: the remote stops sending', async () => {
    const big = segment(16 * 1024 * 1024);
    const { a, b } = await pair(new Map([[1, big]]));
    const controller = new AbortController();
    const p = a.request(1, { signal: controller.signal, onProgress: () => controller.abort() });
    expect((await rejection(p)).type).toBe('cancelled');
    await sleep(200);
    const sent = b.bytesSent;
    await sleep(200);
    expect(b.bytesSent).toBe(sent); // serving stopped
    expect(sent).toBeLessThan(big.length / 4);
    // The connection stays usable.
    b.sendHaveMap([1]);
    await until(() => a.remoteHave.has(1));
  });

  it('cancels mid-transfer by seq', async () => {
    const big = segment(16 * 1024 * 1024);
    const { a, b } = await pair(new Map([[2, big]]));
    const p = a.request(2, { onProgress: () => a.cancel(2) });
    expect((await rejection(p)).type).toBe('cancelled');
    await sleep(300);
    expect(b.bytesSent).toBeLessThan(big.length / 4);
  });

  it('rejects with closed when the remote is destroyed mid-transfer', async () => {
    const big = segment(8 * 1024 * 1024);
    const { a, b } = await pair(new Map([[3, big]]), { requestTimeoutMs: 20_000 });
    const aClosed = closed(a);
    const started = performance.now();
    const err = await rejection(a.request(3, { onProgress: () => b.destroy() }));
    expect(err.type).toBe('closed');
    await aClosed;
    expect(a.connected).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((await rejection(a.request(3))).type).toBe('closed');
  });

  it('refuses requests beyond maxPendingRequests with busy', async () => {
    const { peer } = await peerWithRaw({ maxPendingRequests: 2, requestTimeoutMs: 1000 });
    const first = peer.request(1).catch((e: unknown) => e);
    const second = peer.request(2).catch((e: unknown) => e);
    expect((await rejection(peer.request(3))).type).toBe('busy');
    expect(peer.pendingRequests).toBe(2);
    peer.destroy();
    expect(await first).toMatchObject({ type: 'closed' });
    expect(await second).toMatchObject({ type: 'closed' });
  });

  it('answers absent beyond maxServingQueue', async () => {
    const big = segment(4 * 1024 * 1024);
    const { a } = await pair(new Map([[4, big]]), {}, { maxServingQueue: 1 });
    const results = await Promise.allSettled([a.request(4), a.request(4), a.request(4)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ type: 'absent' });
  });

  it('drops a remote that sends a garbage frame', async () => {
    const { peer, raw } = await peerWithRaw();
    const errors: unknown[] = [];
    peer.on('protocolError', (err) => errors.push(err));
    const pending = peer.request(5);
    const peerClosed = closed(peer);
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    await peerClosed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WireError);
    expect((await rejection(pending)).type).toBe('protocol');
    await rawClosed;
  });

  it('drops a remote whose data does not fit the request', async () => {
    const { peer, raw, received } = await peerWithRaw();
    const errors: unknown[] = [];
    peer.on('protocolError', (err) => errors.push(err));
    const pending = peer.request(6);
    await until(() => received.length === 1);
    const { requestId } = received[0] as { requestId: number };
    // A chunk that skips the start of the segment.
    const chunk = new Uint8Array(10);
    raw.send(encode({ type: 'data', requestId, seq: 6, total: 100, offset: 50, chunk }));
    expect((await rejection(pending)).type).toBe('protocol');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).name).toBe('AssemblyError');
  });

  it('serves while requesting (both directions at once)', async () => {
    const segA = segment(300_000);
    const segB = segment(500_000).reverse();
    const a = makePeer('b', true, new Map([[10, segA]]));
    const b = makePeer('a', false, new Map([[11, segB]]));
    relaySignals(a, b);
    await Promise.all([connected(a), connected(b)]);
    const [fromB, fromA] = await Promise.all([a.request(11), b.request(10)]);
    expect(sameBytes(fromB, segB)).toBe(true);
    expect(sameBytes(fromA, segA)).toBe(true);
  });

  it('destroy is idempotent, emits close once and leaves no timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { a, b } = await pair(new Map([[0, SEG0]]));
    await a.request(0);
    let closes = 0;
    a.on('close', () => closes++);
    const bClosed = closed(b);
    a.destroy();
    a.destroy();
    await bClosed;
    expect(closes).toBe(1);
    await sleep(50);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });

  it('rejects an invalid config', () => {
    const base = {
      ...LOOPBACK_PEER_OPTIONS,
      iceServers: [],
      id: 'x',
      initiator: true,
      provide: () => undefined,
    };
    expect(() => new Peer({ ...base, config: { requestTimeoutMs: 0 } })).toThrow(RangeError);
    expect(() => new Peer({ ...base, config: { maxPendingRequests: 1.5 } })).toThrow(RangeError);
  });
});
