import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import SimplePeer from 'simple-peer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_PEER_OPTIONS, relaySignals, wrtc } from '../../../test/support/node-webrtc.js';
import { FloodError } from '../../src/core/inbound-guard.js';
import { PeerError } from '../../src/core/peer-error.js';
import { Peer, type PeerConfig } from '../../src/core/peer.js';
import { AssemblyError } from '../../src/core/segment-assembler.js';
import { WireError, decode, encode } from '../../src/core/wire.js';
import { fuzzFrames } from '../support/wire-fuzz-frames.js';
import { until } from '../../../test/support/wait.js';

/** A full GC when the runtime allows one (V8 flag set at run time). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Fuzz of a real peer's message path: 100k random and mutated frames (the decoder fuzz's mix)
 * reach Peers. Frames that decode go to one live victim connected over real WebRTC, which must
 * stay consistent (or drop the remote with a typed protocol error); frames that do not decode
 * each go to a Peer, which must drop the remote with a WireError. Nothing may throw, no
 * promise may be left rejected unhandled, and no queue may grow past its bound.
 */

const FRAMES = 100_000;
const SEED = 7;
/** Segments the victim holds and serves to the attacker. */
const HELD = new Map(
  Array.from({ length: 41 }, (_, seq) => [seq, new Uint8Array(500 + seq * 97).fill(seq)]),
);

interface Internals {
  sp: SimplePeer.Instance;
  server: { load: number };
}
const internals = (peer: Peer): Internals => peer as unknown as Internals;

/** A WebRTC platform whose connections never connect: enough for simple-peer to construct. */
class IdlePeerConnection {
  close(): void {
    // nothing to release
  }
}
const IDLE_WRTC = {
  RTCPeerConnection: IdlePeerConnection,
  RTCSessionDescription: Object,
  RTCIceCandidate: Object,
} as unknown as NonNullable<SimplePeer.Options['wrtc']>;

const unexpected: unknown[] = [];
const onUnhandled = (err: unknown): void => {
  unexpected.push(err);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const connected = (p: { once(e: 'connect', f: () => void): unknown }): Promise<void> =>
  new Promise((resolve) => p.once('connect', resolve));

/** A victim Peer connected to a raw simple-peer that the test drives as the attacker. */
async function victimPair(config: Partial<PeerConfig> = {}): Promise<{
  victim: Peer;
  raw: SimplePeer.Instance;
  errors: unknown[];
}> {
  const victim = new Peer({
    ...LOOPBACK_PEER_OPTIONS,
    iceServers: [],
    id: 'attacker',
    initiator: true,
    config,
    provide: (seq) => HELD.get(seq),
  });
  const raw = new SimplePeer({ wrtc, objectMode: true, config: { iceServers: [] } });
  raw.on('error', () => undefined);
  raw.on('data', () => undefined);
  cleanups.push(() => {
    victim.destroy();
    raw.destroy();
  });
  const errors: unknown[] = [];
  victim.on('protocolError', (err) => errors.push(err));
  relaySignals(victim, raw);
  await Promise.all([connected(victim), connected(raw)]);
  return { victim, raw, errors };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('peer message path fuzz', () => {
  const frames = fuzzFrames(FRAMES, SEED);
  const valid: Uint8Array[] = [];
  const invalid: Uint8Array[] = [];
  for (const f of frames) {
    try {
      decode(f);
      valid.push(f);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      invalid.push(f);
    }
  }

  /** Each undecodable frame to its own Peer, which must drop its remote with a WireError. */
  function dropsEach(part: readonly Uint8Array[]): void {
    const started = performance.now();
    let dropped = 0;
    for (const frame of part) {
      // A real RTCPeerConnection costs milliseconds; this one never connects, since the frame
      // is injected where simple-peer emits channel messages. Real connections: see below.
      const peer = new Peer({
        id: 'x',
        initiator: false,
        wrtc: IDLE_WRTC,
        provide: () => undefined,
      });
      let error: unknown;
      peer.on('protocolError', (err) => (error = err));
      peer.on('close', () => dropped++);
      internals(peer).sp.emit('data', frame);
      expect(error).toBeInstanceOf(WireError);
      peer.destroy();
    }
    const ms = performance.now() - started;
    console.log(
      `peer fuzz: ${part.length} undecodable frames, each to a Peer, in ${Math.round(ms)} ms`,
    );
    expect(dropped).toBe(part.length);
    expect(unexpected).toEqual([]);
  }

  it('every frame that does not decode makes a Peer drop its remote (first half)', () => {
    expect(invalid.length).toBeGreaterThan(FRAMES / 3);
    dropsEach(invalid.slice(0, invalid.length / 2));
  }, 60_000);

  it('every frame that does not decode makes a Peer drop its remote (second half)', () => {
    dropsEach(invalid.slice(invalid.length / 2));
  }, 60_000);

  it('a live Peer takes every frame that decodes, stays bounded, and drops only with typed errors', async () => {
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    // The flood guard is tested below; here it is off so that the state machines see it all.
    const config = { maxControlRate: 1e9, controlBurst: 1e9 };
    let pair = await victimPair(config);
    const drops = new Map<string, number>();
    const rejections = new Map<string, number>();
    let requests = 0;
    let overChannel = 0;
    let maxLoad = 0;
    let maxHave = 0;
    let maxPending = 0;
    for (const [i, frame] of valid.entries()) {
      const { victim, raw } = pair;
      if (i % 25 === 0 && victim.pendingRequests < victim.config.maxPendingRequests) {
        // Requests of our own in flight, so that data, absent and cancel frames meet real state.
        requests++;
        victim.request(i % 41).catch((err: unknown) => {
          const type = err instanceof PeerError ? err.type : `not a PeerError: ${String(err)}`;
          rejections.set(type, (rejections.get(type) ?? 0) + 1);
        });
      }
      if (i % 50 === 0) {
        overChannel++;
        raw.send(frame); // the whole way: SCTP, simple-peer, Peer
        await sleep(0);
      } else {
        internals(victim).sp.emit('data', frame);
      }
      maxLoad = Math.max(maxLoad, internals(victim).server.load);
      maxHave = Math.max(maxHave, victim.remoteHave.size);
      maxPending = Math.max(maxPending, victim.pendingRequests);
      if (i % 1000 === 0) await sleep(0); // let the server pump and the channel drain
      if (!victim.connected) {
        // A legitimate drop: data that does not fit a request, too many held segments.
        for (const err of pair.errors) {
          expect(
            err instanceof AssemblyError || err instanceof FloodError,
            `unexpected drop: ${String(err)}`,
          ).toBe(true);
          const name = `${(err as Error).name}:${(err as { type: string }).type}`;
          drops.set(name, (drops.get(name) ?? 0) + 1);
        }
        pair.victim.destroy();
        pair.raw.destroy();
        pair = await victimPair(config);
      }
    }
    await sleep(200);
    const ms = performance.now() - started;
    console.log(
      `peer fuzz: ${valid.length} decodable frames to a live Peer (${overChannel} over the ` +
        `channel) in ${Math.round(ms)} ms; drops ${JSON.stringify(Object.fromEntries(drops))}; ` +
        `${requests} requests of ours: ${JSON.stringify(Object.fromEntries(rejections))}; ` +
        `max serving load ${maxLoad}, max remote have ${maxHave}, max pending ${maxPending}; ` +
        `heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
    );
    expect(valid.length + invalid.length).toBe(FRAMES);
    for (const type of rejections.keys()) expect(type).not.toMatch(/^not a PeerError/);
    expect(maxLoad).toBeLessThanOrEqual(pair.victim.config.maxServingQueue + 1);
    expect(maxHave).toBeLessThanOrEqual(pair.victim.config.maxRemoteHave);
    expect(maxPending).toBeLessThanOrEqual(pair.victim.config.maxPendingRequests);
    // Live state after a full GC: a queue growing with the input (~20 MB of frames) would show.
    collect();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    console.log(`peer fuzz: heap grew ${Math.round(grown / 1e6)} MB over the run (after GC)`);
    expect(grown).toBeLessThan(100e6);
    expect(unexpected).toEqual([]);
  }, 60_000);

  it('a sample of undecodable frames over real connections: dropped, requests rejected', async () => {
    for (const frame of invalid.slice(0, 60)) {
      const { victim, raw, errors } = await victimPair();
      const pending = victim.request(3);
      const closed = new Promise<void>((resolve) => victim.once('close', resolve));
      raw.send(frame);
      await closed;
      expect(errors[0]).toBeInstanceOf(WireError);
      await expect(pending).rejects.toMatchObject({ type: 'protocol' });
      victim.destroy();
      raw.destroy();
    }
    expect(unexpected).toEqual([]);
  }, 60_000);
});

describe('floods with the default guard', () => {
  it('a remote flooding requests is dropped; the serving queue never passes its bound', async () => {
    const { victim, raw, errors } = await victimPair();
    let maxLoad = 0;
    const closed = new Promise<void>((resolve) => victim.once('close', resolve));
    for (let i = 0; i < 5000 && victim.connected; i++) {
      raw.send(encode({ type: 'request', requestId: i + 1, seq: i % 41, offset: 0 }));
      maxLoad = Math.max(maxLoad, internals(victim).server.load);
      if (i % 100 === 0) await sleep(1);
    }
    await closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FloodError);
    expect((errors[0] as FloodError).type).toBe('control-flood');
    expect(maxLoad).toBeLessThanOrEqual(victim.config.maxServingQueue + 1);
  });

  it('a remote announcing ever more segments is dropped at maxRemoteHave', async () => {
    const { victim, raw, errors } = await victimPair({ maxControlRate: 1e9, controlBurst: 1e9 });
    let maxHave = 0;
    victim.on('have', (seqs) => (maxHave = Math.max(maxHave, seqs.size)));
    const closed = new Promise<void>((resolve) => victim.once('close', resolve));
    for (let i = 0; victim.connected && i < 100; i++) {
      const added = Array.from({ length: 256 }, (_, k) => i * 256 + k);
      raw.send(encode({ type: 'have-delta', added, removed: [] }));
      await sleep(1);
    }
    await closed;
    expect(errors[0]).toBeInstanceOf(FloodError);
    expect((errors[0] as FloodError).type).toBe('have-overflow');
    expect(maxHave).toBeLessThanOrEqual(victim.config.maxRemoteHave);
  });

  it('an honest pace of control messages is never dropped', async () => {
    const { victim, raw, errors } = await victimPair();
    // 150 messages/s for 2 s: deltas, requests, cancels (an honest peer sends a few per second).
    for (let i = 0; i < 300; i++) {
      raw.send(encode({ type: 'have-delta', added: [i], removed: i > 10 ? [i - 10] : [] }));
      if (i % 15 === 0) await sleep(100);
    }
    await sleep(100);
    await until(() => victim.remoteHave.has(299));
    expect(victim.connected).toBe(true);
    expect(errors).toEqual([]);
  });
});
