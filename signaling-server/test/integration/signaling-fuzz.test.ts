import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import { connect, until, type ClientSocket } from './signaling-helpers.js';

// Random signaling traffic against a real server: known and unknown events, wrong types,
// huge and deeply nested payloads, binary attachments, callbacks where none are taken, acks
// nobody asked for and undecodable frames. The server must not crash, must leave no
// unhandled rejection, must keep its memory bounded and must still serve a valid join.

const PAYLOADS = 10_000;
const CLIENTS = 12;
const SEED = 20261124;

let server: MeshcastServer;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown): void => {
  unhandled.push(err);
};

/** A full GC when the runtime allows one (V8 flag set at run time). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function nest(depth: number): unknown {
  let value: unknown = { type: 'offer', sdp: 'v=0' };
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** One thing a client may send: an event with arguments, an ack, or a raw frame. */
type Action =
  | { kind: 'emit'; event: string | number; args: unknown[]; ack: boolean }
  | { kind: 'raw'; frame: string };

function actions(peerIds: () => string[]): fc.Arbitrary<Action> {
  const swarm = fc.oneof(
    fc.constantFrom('demo/360p', 'demo/720p', 'nope/360p', 'demo/', '/360p'),
    fc.string({ maxLength: 80 }),
  );
  const peer = fc.oneof(
    fc.nat().map((i) => peerIds()[i % Math.max(1, peerIds().length)] ?? 'x'),
    fc.string({ maxLength: 70 }),
  );
  const json = fc.jsonValue({ maxDepth: 4 });
  const structured = fc.oneof(
    fc.record(
      {
        channel: fc.oneof(fc.constant('demo'), fc.string({ maxLength: 70 })),
        rendition: fc.oneof(fc.constant('360p'), fc.string({ maxLength: 40 })),
      },
      { requiredKeys: [] },
    ),
    fc.record({ swarm, exclude: fc.array(fc.oneof(peer, json), { maxLength: 300 }) }),
    fc.record({ swarm, to: peer, data: fc.oneof(json, fc.dictionary(fc.string(), json)) }),
    fc.record({ swarm }),
    fc.record({ swarm, peer, seq: fc.integer(), reason: fc.string() }, { requiredKeys: [] }),
    fc.record({ channel: fc.constant('demo'), sessionId: fc.string(), stats: json }),
  );
  const junk = fc.anything({
    maxDepth: 4,
    withBigInt: false,
    withBoxedValues: false,
    withMap: false,
    withSet: false,
    withTypedArray: false,
    withSparseArray: true,
  });
  const big = fc.integer({ min: 10_000, max: 90_000 }).map((n) => ({ sdp: 'x'.repeat(n) }));
  // The client's encoder recurses: deeper payloads go as raw frames below.
  const deep = fc.integer({ min: 8, max: 200 }).map(nest);
  const binary = fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a));
  const payload = fc.oneof(
    { weight: 6, arbitrary: structured },
    { weight: 3, arbitrary: junk },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: binary },
    { weight: 1, arbitrary: big },
  );
  const event = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('join', 'more', 'signal', 'leave', 'report') },
    { weight: 1, arbitrary: fc.constantFrom('report-peer', 'error', '__proto__', 'toString') },
    { weight: 1, arbitrary: fc.constantFrom('constructor', 'hasOwnProperty', 'valueOf') },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.integer() },
  );
  const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting']);
  const emit = fc.record({
    kind: fc.constant('emit' as const),
    event: event.filter((e) => !reserved.has(String(e)) && !String(e).endsWith('Listener')),
    args: fc.array(payload, { maxLength: 3 }),
    ack: fc.boolean(),
  });
  // socket.io packets written as engine.io messages: acks for ids never sent, bad types,
  // broken JSON, namespaces that do not exist, binary headers with no attachments.
  const raw = fc
    .oneof(
      fc.tuple(fc.nat(), json).map(([id, data]) => `3${id}${JSON.stringify([data])}`),
      fc.constantFrom('2["join"', '9', '2/nope,["join",{}]', '51-["x",{"_placeholder":true}]'),
      fc.constantFrom('0/admin,', '1', '2[]', '2[{}]', '2{"a":1}', '21-["signal"]', ''),
      fc.string({ maxLength: 200 }),
      fc
        .tuple(
          fc.constantFrom('join', 'signal', 'report', 'more'),
          fc.integer({ min: 200, max: 20_000 }),
        )
        .map(([event, depth]) => `2["${event}",${'['.repeat(depth)}1${']'.repeat(depth)}]`),
    )
    .map((frame) => ({ kind: 'raw' as const, frame }));
  return fc.oneof({ weight: 20, arbitrary: emit }, { weight: 1, arbitrary: raw });
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // High rates: the handlers, not the rate limits, are what is fuzzed here.
  // The whole server: QoE reports and peer reports are fuzzed with the rest.
  server = await startTestServer({
    signalingJoinRate: 100_000,
    signalingJoinBurst: 100_000,
    signalingRelayRate: 100_000,
    signalingRelayBurst: 100_000,
  });
});

afterAll(async () => {
  await server.close();
  process.off('unhandledRejection', onUnhandled);
});

describe('signaling fuzz', () => {
  it(`survives ${PAYLOADS} random payloads and still serves a valid join`, async () => {
    const t0 = performance.now();
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    let sockets: ClientSocket[] = await Promise.all(
      Array.from({ length: CLIENTS }, () => connect(server.url)),
    );
    const ids = (): string[] => sockets.map((s) => s.id ?? '').filter(Boolean);
    const sample = fc.sample(actions(ids), { numRuns: PAYLOADS, seed: SEED });
    expect(sample).toHaveLength(PAYLOADS);
    let reconnects = 0;
    let sent = 0;
    const replacing = new Set<number>();
    const noop = (): void => undefined;

    for (const [i, action] of sample.entries()) {
      // Oversized and undecodable frames cost the sender its connection, nothing else: a
      // replacement connects in the background while the others go on.
      for (const [k, s] of sockets.entries()) {
        if (s.connected || replacing.has(k)) continue;
        reconnects++;
        replacing.add(k);
        void connect(server.url).then((fresh) => {
          sockets[k] = fresh;
          replacing.delete(k);
        });
      }
      let socket = sockets.find((s, k) => s.connected && k % CLIENTS === i % CLIENTS);
      socket ??= sockets.find((s) => s.connected);
      if (!socket) {
        await until(() => sockets.some((s) => s.connected));
        socket = sockets.find((s) => s.connected)!;
      }
      sent++;
      const raw = socket as unknown as Socket;
      if (action.kind === 'raw') {
        raw.io.engine.send(action.frame);
      } else {
        const args = action.ack ? [...action.args, noop] : action.args;
        raw.emit(action.event as string, ...args);
      }
      // Let the server keep up (and the sockets flush) every few hundred sends.
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
    }

    expect(sent).toBe(PAYLOADS);
    // Still serving: a fresh client joins.
    const probe = await connect(server.url);
    const ack: JoinAck = await probe.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    expect(ack).toMatchObject({ ok: true, swarm: 'demo/360p' });
    const stats = server.signaling.stats();
    expect(stats.sockets).toBeLessThanOrEqual(CLIENTS + 1);
    // At most the 4 swarms a connection may hold, per connection.
    expect(stats.members).toBeLessThanOrEqual(4 * (CLIENTS + 1));

    await until(() => replacing.size === 0);
    sockets = [...sockets, probe];
    for (const s of sockets) s.disconnect();
    await until(() => server.signaling.stats().sockets === 0, 10_000);
    expect(server.signaling.stats()).toEqual({ sockets: 0, swarms: 0, members: 0 });
    await new Promise((r) => setTimeout(r, 200));
    collect();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `signaling fuzz: ${PAYLOADS} payloads in ${seconds.toFixed(1)} s, ` +
        `${reconnects} connections dropped by the server, heap +${grownMb.toFixed(1)} MB`,
    );
    // Client and server share this process: the bound covers both, and leaks would be O(n).
    expect(grownMb).toBeLessThan(64);
    expect(seconds).toBeLessThan(60);
    expect(unhandled).toEqual([]);
  }, 90_000);
});
