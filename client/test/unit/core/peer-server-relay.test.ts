import { describe, expect, it } from 'vitest';
import { Arrival, markImmutable } from '../../../src/core/arrival.js';
import { PeerServer } from '../../../src/core/peer-server.js';
import { SegmentAssembler } from '../../../src/core/segment-assembler.js';
import { UploadLimiter } from '../../../src/core/upload-limiter.js';
import { MAX_CHUNK_BYTES, type DataMessage, type WireMessage } from '../../../src/core/wire.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
};

const SIZE = 3 * MAX_CHUNK_BYTES + 1000;
const segment = Uint8Array.from({ length: SIZE }, (_, i) => (i * 31 + 7) & 0xff);

/** A relay: it holds nothing complete, `arrival` is what it is receiving upstream. */
function relay(arrival: Arrival | undefined, options: { upload?: UploadLimiter } = {}) {
  const sent: WireMessage[] = [];
  const server = new PeerServer(
    { maxServingQueue: 8, highWaterMark: 1 << 30, maxServingWaitMs: 1500 },
    {
      provide: () => undefined,
      arriving: (seq) => (seq === arrival?.seq ? arrival : undefined),
      send: (m) => sent.push(m),
      bufferedAmount: () => 0,
      uploaded: () => undefined,
      ...(options.upload && { upload: options.upload }),
    },
  );
  const data = (): DataMessage[] => sent.filter((m): m is DataMessage => m.type === 'data');
  const dataBytes = (): number => data().reduce((n, m) => n + m.chunk.length, 0);
  return { server, sent, data, dataBytes };
}

/** Feeds the arrival as the session does: bytes (onData) then progress (onProgress). */
function feed(arrival: Arrival, upTo: number): void {
  const from = arrival.received;
  for (let at = from; at < upTo; at += MAX_CHUNK_BYTES) {
    const end = Math.min(upTo, at + MAX_CHUNK_BYTES);
    arrival.write(at, segment.subarray(at, end));
    arrival.progress(end);
  }
}

describe('PeerServer: cut-through relay of an arriving segment', () => {
  it('sends chunks before the segment is complete and the last byte only once it is verified', async () => {
    const arrival = new Arrival(9, SIZE);
    feed(arrival, MAX_CHUNK_BYTES);
    const { server, data, dataBytes, sent } = relay(arrival);
    server.request(1, 9);
    await settle();
    expect(dataBytes()).toBe(MAX_CHUNK_BYTES); // what arrived so far, before completion
    feed(arrival, SIZE); // every byte arrived, not yet verified
    await settle();
    expect(dataBytes()).toBe(SIZE - 1); // the final byte is withheld
    expect(sent.some((m) => m.type === 'absent')).toBe(false);
    arrival.complete(segment); // verified and stored
    await settle();
    expect(dataBytes()).toBe(SIZE);
    // The downstream reassembles exactly the segment.
    const assembler = new SegmentAssembler({ requestId: 1, seq: 9 });
    for (const m of data()) assembler.push(m);
    expect(assembler.complete).toBe(true);
    expect(assembler.bytes()).toEqual(segment);
    expect(server.bytesSent).toBe(SIZE);
    server.destroy();
  });

  it('answers absent instead of finishing when the upstream fails', async () => {
    const arrival = new Arrival(9, SIZE);
    feed(arrival, 2 * MAX_CHUNK_BYTES);
    const { server, sent, dataBytes } = relay(arrival);
    server.request(4, 9);
    await settle();
    expect(dataBytes()).toBe(2 * MAX_CHUNK_BYTES);
    arrival.fail();
    await settle();
    expect(sent.at(-1)).toEqual({ type: 'absent', requestId: 4, seq: 9 });
    expect(dataBytes()).toBeLessThan(SIZE);
    server.destroy();
  });

  it('answers absent when the complete bytes fail verification (the arrival fails, never completes)', async () => {
    const arrival = new Arrival(9, SIZE);
    feed(arrival, SIZE);
    const { server, sent, dataBytes } = relay(arrival);
    server.request(2, 9);
    await settle();
    expect(dataBytes()).toBe(SIZE - 1);
    arrival.fail(); // the session's verifier said corrupt / unverified
    await settle();
    expect(sent.at(-1)).toEqual({ type: 'absent', requestId: 2, seq: 9 });
    expect(dataBytes()).toBe(SIZE - 1);
    server.destroy();
  });

  it('stops mid-way on cancel and frees the upload slot', async () => {
    const upload = new UploadLimiter({});
    const arrival = new Arrival(9, SIZE);
    feed(arrival, MAX_CHUNK_BYTES);
    const { server, sent, dataBytes } = relay(arrival, { upload });
    server.request(3, 9);
    await settle();
    expect(dataBytes()).toBe(MAX_CHUNK_BYTES);
    expect(server.load).toBe(1);
    server.cancel(3);
    await settle();
    expect(server.load).toBe(0);
    feed(arrival, SIZE);
    arrival.complete(segment);
    await settle();
    expect(dataBytes()).toBe(MAX_CHUNK_BYTES); // nothing after the cancel
    expect(sent.some((m) => m.type === 'absent')).toBe(false);
    expect(upload.waitMs()).toBe(0); // the slot was released
    server.destroy();
    upload.destroy();
  });

  it('answers absent for a segment neither held nor arriving, and relays a tiny segment', async () => {
    const { server, sent } = relay(undefined);
    server.request(5, 9);
    await settle();
    expect(sent).toEqual([{ type: 'absent', requestId: 5, seq: 9 }]);
    server.destroy();
    const small = new Arrival(3, 10);
    small.write(0, segment.subarray(0, 4));
    small.progress(4);
    const r = relay(small);
    r.server.request(6, 3);
    await settle();
    expect(r.dataBytes()).toBe(4);
    small.complete(segment.subarray(0, 10));
    await settle();
    expect(r.dataBytes()).toBe(10);
    r.server.destroy();
  });

  it('stops waiting on destroy', async () => {
    const arrival = new Arrival(9, SIZE);
    feed(arrival, MAX_CHUNK_BYTES);
    const { server } = relay(arrival);
    server.request(7, 9);
    await settle();
    server.destroy();
    await settle();
    expect(server.load).toBe(0);
    expect(arrival.listenerCount('change')).toBe(0);
  });
});

describe('Arrival', () => {
  it('grows its buffer with the bytes received, not with the claimed total', () => {
    const arrival = new Arrival(1, 32 * 1024 * 1024);
    arrival.write(0, segment.subarray(0, 1000));
    arrival.progress(1000);
    expect(arrival.allocated).toBeLessThanOrEqual(2000);
    arrival.write(1000, segment.subarray(1000, 3000));
    expect(arrival.read(0, 3000)).toEqual(segment.subarray(0, 3000));
    expect(arrival.allocated).toBeLessThan(10_000);
    // Out of order or past the total: ignored.
    arrival.write(5000, segment.subarray(0, 10));
    expect(arrival.read(0, 3010)).toBeUndefined();
  });

  it('copies chunks of an ordinary buffer (a transport may reuse its memory)', () => {
    const message = segment.slice(0, 1000);
    const arrival = new Arrival(1, 5000);
    arrival.write(0, message);
    message.fill(0); // the transport reuses the buffer for its next message
    expect(arrival.read(0, 1000)).toEqual(segment.subarray(0, 1000));
  });

  it('joins adjacent views of an immutable buffer without a copy, never writing into one', () => {
    const whole = segment.slice(0, 5000);
    markImmutable(whole.buffer);
    const arrival = new Arrival(1, 5000);
    arrival.write(0, whole.subarray(0, 1000));
    arrival.write(1000, whole.subarray(1000, 3000));
    const view = arrival.read(0, 3000);
    expect(view?.buffer).toBe(whole.buffer);
    expect(view?.byteOffset).toBe(0);
    // The next chunk comes in its own buffer: copied into a new one; `whole` is untouched.
    const other = Uint8Array.from(segment.subarray(3000, 5000)).fill(7);
    arrival.write(3000, other);
    expect(arrival.read(0, 5000)?.buffer).not.toBe(whole.buffer);
    expect(arrival.read(3000, 5000)).toEqual(other);
    expect(arrival.read(0, 3000)).toEqual(segment.subarray(0, 3000));
    expect(whole).toEqual(segment.subarray(0, 5000));
  });
});

describe('PeerServer: a ranged request', () => {
  it('sends a complete segment from the offset asked for', async () => {
    const sent: WireMessage[] = [];
    const uploaded: number[] = [];
    const server = new PeerServer(
      { maxServingQueue: 8, highWaterMark: 1 << 30, maxServingWaitMs: 1500 },
      {
        provide: (seq) => (seq === 9 ? segment : undefined),
        send: (m) => sent.push(m),
        bufferedAmount: () => 0,
        uploaded: (n) => uploaded.push(n),
      },
    );
    const from = MAX_CHUNK_BYTES + 500;
    server.request(1, 9, from);
    server.request(2, 9, SIZE); // past the end: nothing to send
    await settle();
    const data = sent.filter((m): m is DataMessage => m.type === 'data' && m.requestId === 1);
    expect(data[0]?.offset).toBe(from);
    const assembler = new SegmentAssembler({ requestId: 1, seq: 9, from });
    for (const m of data) assembler.push(m);
    expect(assembler.complete).toBe(true);
    expect(assembler.bytes()).toEqual(segment.subarray(from));
    expect(uploaded.reduce((a, b) => a + b, 0)).toBe(SIZE - from);
    expect(sent.filter((m) => 'requestId' in m && m.requestId === 2)).toEqual([
      { type: 'absent', requestId: 2, seq: 9 },
    ]);
  });

  it('answers `absent` for a range of a segment still arriving: its holders have it whole', async () => {
    const arrival = new Arrival(9, SIZE);
    feed(arrival, 2 * MAX_CHUNK_BYTES);
    const { server, sent, dataBytes } = relay(arrival);
    server.request(1, 9, 100);
    await settle();
    expect(dataBytes()).toBe(0);
    expect(sent).toEqual([{ type: 'absent', requestId: 1, seq: 9 }]);
  });
});
