import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import SimplePeer from 'simple-peer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_PEER_OPTIONS, relaySignals, wrtc } from '../../../test/support/node-webrtc.js';
import { CdnLoader } from '../../src/core/cdn-loader.js';
import { Emitter } from '../../src/core/emitter.js';
import { Peer } from '../../src/core/peer.js';
import {
  RenditionSession,
  type SessionSwarm,
  type SessionSwarmEvents,
  type TrafficCounters,
} from '../../src/core/rendition-session.js';
import { resolveSchedulerConfig } from '../../src/core/scheduler.js';
import { chunkSegment, decode, encode, type WireMessage } from '../../src/core/wire.js';
import { zeroCounters } from '../support/session-fakes.js';
import { sleep, until } from '../../../test/support/wait.js';

/**
 * Faults during peer transfers, end to end through a real RenditionSession (scheduler, real
 * Peers over WebRTC, real CdnLoader against an HTTP server): a peer that leaves mid-transfer,
 * a peer that sends too slowly, a peer that sends garbage. Each time the segment must arrive,
 * byte-exact, before its playback deadline.
 */

const SEQ = 10;
const SEGMENT_BYTES = 200_000;
const DEADLINE_S = 6;

function segment(seq: number): Uint8Array {
  const out = new Uint8Array(SEGMENT_BYTES);
  for (let i = 0; i < out.length; i++) out[i] = (i * 7 + seq) & 0xff;
  return out;
}

let cdnServer: Server;
let cdnBase: string;
let cdnHits = 0;
/** The Range header of each CDN request ('' for none). */
let cdnRanges: string[] = [];

beforeAll(async () => {
  cdnServer = createServer((req, res) => {
    cdnHits++;
    cdnRanges.push(req.headers.range ?? '');
    const seq = Number(/\/seg\/(\d+)\.ts$/.exec(req.url ?? '')?.[1] ?? NaN);
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(seq)) res.writeHead(404).end();
    else if (from > 0 && from < SEGMENT_BYTES) {
      res
        .writeHead(206, {
          'content-length': SEGMENT_BYTES - from,
          'content-range': `bytes ${from}-${SEGMENT_BYTES - 1}/${SEGMENT_BYTES}`,
        })
        .end(segment(seq).subarray(from));
    } else res.writeHead(200, { 'content-length': SEGMENT_BYTES }).end(segment(seq));
  });
  await new Promise<void>((resolve) => cdnServer.listen(0, '127.0.0.1', resolve));
  cdnBase = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  cdnServer.closeAllConnections();
  await new Promise((resolve) => cdnServer.close(resolve));
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  cdnHits = 0;
  cdnRanges = [];
});

/** The session's view of a swarm: real Peers, connected by the test. */
class TestSwarm extends Emitter<SessionSwarmEvents> implements SessionSwarm {
  readonly peerId = 'local';
  readonly peers: Peer[] = [];
  add(peer: Peer): void {
    this.peers.push(peer);
    peer.on('have', () => this.emit('have', peer));
    peer.on('close', () => this.emit('peerClosed', peer));
    this.emit('peerConnected', peer);
    this.emit('have', peer);
  }
  connectedPeers(): Peer[] {
    return this.peers.filter((p) => p.connected);
  }
  announce(): void {
    // nobody listens for our buffer map in these tests
  }
  destroy(): void {
    for (const p of this.peers) p.destroy();
  }
}

type Behaviour = 'leave-mid-transfer' | 'slow' | 'garbage';

/** Our end of a test connection: a real Peer that serves nothing. */
function localPeer(id: string): Peer {
  return new Peer({
    ...LOOPBACK_PEER_OPTIONS,
    iceServers: [],
    id,
    initiator: true,
    provide: () => undefined,
  });
}

/** Resolves once both ends of a connection are up. */
async function connected(
  ...ends: { once(event: 'connect', listener: () => void): unknown }[]
): Promise<void> {
  await Promise.all(
    ends.map((end) => new Promise<void>((resolve) => end.once('connect', resolve))),
  );
}

/**
 * A remote that holds SEQ and misbehaves when asked for it. Returns the local Peer connected
 * to it and what it received.
 */
async function misbehavingRemote(
  id: string,
  behaviour: Behaviour,
): Promise<{ peer: Peer; received: WireMessage[] }> {
  const peer = localPeer(id);
  const raw = new SimplePeer({ wrtc, objectMode: true, config: { iceServers: [] } });
  raw.on('error', () => undefined);
  const timers: ReturnType<typeof setInterval>[] = [];
  cleanups.push(() => {
    for (const t of timers) clearInterval(t);
    peer.destroy();
    raw.destroy();
  });
  const received: WireMessage[] = [];
  raw.on('data', (data: Uint8Array) => {
    const m = decode(data);
    received.push(m);
    if (m.type !== 'request') return;
    const chunks = chunkSegment(m.requestId, m.seq, segment(m.seq), 1000);
    if (behaviour === 'leave-mid-transfer') {
      for (const c of chunks.slice(0, 20)) raw.send(encode(c));
      setTimeout(() => {
        raw.destroy();
      }, 50);
    } else if (behaviour === 'slow') {
      // 1 kB every 300 ms: ~3 kB/s for a 200 kB segment.
      let i = 0;
      timers.push(
        setInterval(() => {
          const c = chunks[i++];
          if (c && !received.some((r) => r.type === 'cancel')) raw.send(encode(c));
        }, 300),
      );
    } else {
      raw.send(new Uint8Array([1, 4, 0xff, 0xff]));
    }
  });
  relaySignals(peer, raw);
  await connected(peer, raw);
  raw.send(encode({ type: 'have-map', seqs: [SEQ] }));
  await new Promise<void>((resolve) => peer.once('have', () => resolve()));
  return { peer, received };
}

/** An honest remote (a real Peer) that holds SEQ. */
async function honestRemote(id: string): Promise<{ peer: Peer; remote: Peer }> {
  const peer = localPeer(id);
  const remote = new Peer({
    ...LOOPBACK_PEER_OPTIONS,
    iceServers: [],
    id: 'local',
    initiator: false,
    provide: (seq) => (seq === SEQ ? segment(SEQ) : undefined),
  });
  cleanups.push(() => {
    peer.destroy();
    remote.destroy();
  });
  relaySignals(peer, remote);
  await connected(peer, remote);
  remote.sendHaveMap([SEQ]);
  await new Promise<void>((resolve) => peer.once('have', () => resolve()));
  return { peer, remote };
}

/** A session playing in real time; SEQ starts DEADLINE_S from now. */
function playingSession(swarm: TestSwarm): {
  session: RenditionSession;
  counters: TrafficCounters;
} {
  const counters = zeroCounters();
  const session = new RenditionSession({
    rendition: '360p',
    cdn: new CdnLoader({ timeoutMs: 3000 }),
    scheduler: resolveSchedulerConfig({}),
    now: () => performance.now(),
    counters,
  });
  session.attachSwarm(swarm);
  const t0 = performance.now();
  const tick = setInterval(() => {
    session.setPlayback({ position: (performance.now() - t0) / 1000, rate: 1 }, true);
  }, 100);
  cleanups.push(() => {
    clearInterval(tick);
    session.destroy();
  });
  session.setPlayback({ position: 0, rate: 1 }, true);
  session.updatePlaylist([
    { seq: SEQ - 1, url: `${cdnBase}/seg/${SEQ - 1}.ts`, start: 0, duration: DEADLINE_S },
    { seq: SEQ, url: `${cdnBase}/seg/${SEQ}.ts`, start: DEADLINE_S, duration: 2 },
  ]);
  return { session, counters };
}

async function loadBeforeDeadline(
  session: RenditionSession,
): Promise<{ source: string; ms: number }> {
  const started = performance.now();
  const info = { seq: SEQ, url: `${cdnBase}/seg/${SEQ}.ts`, start: DEADLINE_S, duration: 2 };
  const loaded = await session.load(info);
  const ms = performance.now() - started;
  expect(Buffer.compare(loaded.bytes, segment(SEQ))).toBe(0);
  expect(ms).toBeLessThan(DEADLINE_S * 1000);
  return { source: loaded.source, ms };
}

describe('transfer faults through a RenditionSession', () => {
  it('a peer that leaves mid-transfer: another peer sends the rest in time', async () => {
    const swarm = new TestSwarm();
    const leaver = await misbehavingRemote('leaver', 'leave-mid-transfer');
    const honest = await honestRemote('honest');
    swarm.add(leaver.peer);
    swarm.add(honest.peer);
    const { session, counters } = playingSession(swarm);
    const { source, ms } = await loadBeforeDeadline(session);
    console.log(`leave mid-transfer -> ${source} after ${Math.round(ms)} ms`, counters);
    expect(leaver.received.some((m) => m.type === 'request')).toBe(true);
    expect(source).toBe('p2p');
    // The leaver's chunks that reached us (it sent 20 kB) are kept: the other holder sends
    // only the bytes after them (a ranged request), and nothing is wasted.
    const head = leaver.peer.bytesReceived;
    expect(head).toBeGreaterThanOrEqual(16 * 1024);
    expect(honest.remote.bytesSent).toBe(SEGMENT_BYTES - head);
    expect(counters).toMatchObject({ p2pBytes: SEGMENT_BYTES, wastedBytes: 0 });
  });

  it('a peer that leaves mid-transfer, alone: the CDN sends only the rest, in time', async () => {
    const swarm = new TestSwarm();
    const leaver = await misbehavingRemote('leaver', 'leave-mid-transfer');
    swarm.add(leaver.peer);
    const { session, counters } = playingSession(swarm);
    const { source, ms } = await loadBeforeDeadline(session);
    console.log(`leave mid-transfer, alone -> ${source} after ${Math.round(ms)} ms`, counters);
    expect(leaver.received.some((m) => m.type === 'request')).toBe(true);
    expect(source).toBe('cdn');
    // The leaver's 20 chunks of 1000 bytes are kept; the CDN sends the other 180 000.
    expect(cdnRanges).toEqual(['bytes=20000-']);
    expect(counters).toMatchObject({ p2pBytes: 20_000, cdnBytes: 180_000, wastedBytes: 0 });
  });

  it('a peer that sends too slowly is abandoned (told to cancel) in time for the CDN', async () => {
    const swarm = new TestSwarm();
    const slow = await misbehavingRemote('slow', 'slow');
    swarm.add(slow.peer);
    const { session } = playingSession(swarm);
    const { source, ms } = await loadBeforeDeadline(session);
    console.log(`slow peer -> ${source} after ${Math.round(ms)} ms`);
    expect(source).toBe('cdn');
    // It is kept until the CDN must take over, so the cancel leaves as the CDN fetch starts:
    // give the data channel a moment to deliver it.
    const told = () => slow.received.some((m) => m.type === 'cancel');
    await until(told, 2000).catch(() => undefined);
    expect(told()).toBe(true);
    expect(cdnHits).toBe(1);
  });

  it('a peer that sends garbage is dropped; the CDN covers in time, nothing throws', async () => {
    const swarm = new TestSwarm();
    const liar = await misbehavingRemote('garbage', 'garbage');
    const errors: unknown[] = [];
    liar.peer.on('protocolError', (err) => errors.push(err));
    swarm.add(liar.peer);
    const { session } = playingSession(swarm);
    const { source } = await loadBeforeDeadline(session);
    expect(source).toBe('cdn');
    expect(errors).toHaveLength(1);
    expect(liar.peer.connected).toBe(false);
    await sleep(50);
  });
});
