/**
 * The binary peer wire protocol: one message per data-channel message, over one channel per
 * swarm (channel + rendition), so no message names a rendition.
 *
 * Layout: byte 0 = {@link PROTOCOL_VERSION}, byte 1 = type tag, then the fields big-endian.
 * A sequence number takes 8 bytes (high and low uint32; the high word must keep the value a
 * safe integer). Every variable part carries its own length, so a message has exactly one
 * valid encoding and the decoder rejects trailing bytes.
 *
 * | type       | tag | fields after the 2-byte header                                        |
 * | ---------- | --- | ---------------------------------------------------------------------- |
 * | have-map   | 1   | first seq (8), span (u16), bitmap of ceil(span/8) bytes, MSB first     |
 * | have-delta | 2   | added count (u16), removed count (u16), added seqs, removed seqs (8 each)|
 * | request    | 3   | requestId (u32), seq (8), offset (u32)                                 |
 * | data       | 4   | requestId (u32), seq (8), total (u32), offset (u32), length (u32), chunk |
 * | cancel     | 5   | requestId (u32)                                                        |
 * | absent     | 6   | requestId (u32), seq (8)                                               |
 * | busy       | 7   | requestId (u32), seq (8), waitMs (u32)                                 |
 * | arriving   | 8   | added count (u16), removed count (u16), added seqs, removed seqs (8 each)|
 * | capacity   | 9   | bytesPerSec (u32)                                                      |
 *
 * A have-map's bitmap covers `first .. first + span - 1`; its first and last bits are set and its
 * padding bits are clear; the empty map is `first = 0, span = 0`. Decoding trusts nothing: every
 * malformed input becomes a {@link WireError}.
 */

/**
 * Version 2 added `offset` to `request` (a segment's rest, from a holder other than the one
 * that sent its head). Viewers speak one version; the signaling server pairs only viewers
 * that speak the same one (`JoinRequest.wire`).
 */
export const PROTOCOL_VERSION = 2;
/** Most bytes of one encoded message, any type. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Largest segment that a data message may announce (`total`). */
export const MAX_SEGMENT_BYTES = 32 * 1024 * 1024;
/** A have-map covers at most this many sequence numbers (last - first + 1). */
export const MAX_HAVE_SPAN = 4096;
/** Most sequence numbers in one have-delta (added + removed). */
export const MAX_DELTA_ITEMS = 256;
/** Most sequence numbers in one `arriving` message (added + removed). */
export const MAX_ARRIVING_ITEMS = 32;

const HEADER_BYTES = 2;
const SEQ_BYTES = 8;
const DATA_HEADER_BYTES = HEADER_BYTES + 4 + SEQ_BYTES + 4 + 4 + 4;
/**
 * Bytes at the end of a segment that a relay (serving a segment still arriving) withholds until
 * it has the whole segment and verified it: a requester that has all but these is waiting on
 * the relay's check, not on a stalled transfer.
 */
export const RELAY_WITHHELD_BYTES = 1;
/** Largest chunk of one data message. */
export const MAX_CHUNK_BYTES = MAX_MESSAGE_BYTES - DATA_HEADER_BYTES;

/** A peer message. Sequence numbers are HLS media sequence numbers (non-negative safe integers). */
export type WireMessage =
  /** The full set of segments the sender holds: ascending, unique, spanning <= MAX_HAVE_SPAN. */
  | { type: 'have-map'; seqs: number[] }
  /** Changes since the last map or delta: each list unique, the two disjoint. */
  | { type: 'have-delta'; added: number[]; removed: number[] }
  /**
   * Ask for one segment from byte `offset` on (0: the whole segment); `requestId` is a uint32
   * chosen by the requester. The data messages that answer it start at `offset`.
   */
  | { type: 'request'; requestId: number; seq: number; offset: number }
  /** One chunk of a requested segment: bytes `offset .. offset + chunk.length` of `total`. */
  | {
      type: 'data';
      requestId: number;
      seq: number;
      total: number;
      offset: number;
      chunk: Uint8Array;
    }
  /** The requester no longer wants this request. */
  | { type: 'cancel'; requestId: number }
  /** The responder does not hold the requested segment (any more). */
  | { type: 'absent'; requestId: number; seq: number }
  /**
   * The responder holds the segment but will not serve it now: its upload queue would make the
   * requester wait about `waitMs`. The requester keeps its buffer map and asks elsewhere.
   */
  | { type: 'busy'; requestId: number; seq: number; waitMs: number }
  /**
   * Segments the sender is receiving now (`added`) and may serve before they are complete (cut-
   * through relay), and earlier ones it no longer receives (`removed`: the transfer failed). A
   * later have-delta that adds a seq supersedes its arriving state. Lists unique and disjoint.
   */
  | { type: 'arriving'; added: number[]; removed: number[] }
  /**
   * The sender's measured upload rate, bytes/s (sent on connect and when it changes much):
   * neighbourhoods pick fast uplinks to bring new segments in from the CDN.
   */
  | { type: 'capacity'; bytesPerSec: number };

export type DataMessage = Extract<WireMessage, { type: 'data' }>;

export type WireErrorType =
  | 'truncated'
  | 'oversized'
  | 'unknown-version'
  | 'unknown-type'
  | 'invalid-field'
  | 'trailing-bytes';

/** A message that cannot be encoded, or bytes that are not a valid message. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly type: WireErrorType,
    message: string,
  ) {
    super(message);
  }
}

const TAGS = {
  'have-map': 1,
  'have-delta': 2,
  request: 3,
  data: 4,
  cancel: 5,
  absent: 6,
  busy: 7,
  arriving: 8,
  capacity: 9,
} as const satisfies Record<WireMessage['type'], number>;

const TWO_POW_32 = 2 ** 32;
/** Highest high word that keeps hi * 2^32 + lo <= Number.MAX_SAFE_INTEGER. */
const MAX_SEQ_HIGH = 0x1fffff;

const isSeq = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isU32 = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff;

function invalid(message: string): WireError {
  return new WireError('invalid-field', message);
}

function checkSeq(n: unknown, what: string): number {
  if (!isSeq(n)) throw invalid(`${what} is not a non-negative safe integer`);
  return n;
}

/** A request offset: inside the largest segment a data message may announce. */
function checkOffset(offset: number): number {
  if (offset >= MAX_SEGMENT_BYTES) throw invalid(`request offset ${offset} is past any segment`);
  return offset;
}

function checkU32(n: unknown, what: string): number {
  if (!isU32(n)) throw invalid(`${what} is not a uint32`);
  return n;
}

/** Throws unless the lists are arrays of sequence numbers, each unique, the two disjoint. */
function checkDelta(
  added: unknown,
  removed: unknown,
  what = 'have-delta',
  max = MAX_DELTA_ITEMS,
): void {
  if (!Array.isArray(added) || !Array.isArray(removed))
    throw invalid(`${what} lists are not arrays`);
  if (added.length + removed.length > max) {
    throw invalid(`${what} has more than ${max} items`);
  }
  const seen = new Set<number>();
  for (const s of [...(added as unknown[]), ...(removed as unknown[])]) {
    const seq = checkSeq(s, `${what} seq`);
    if (seen.has(seq)) throw invalid(`${what} lists seq ${seq} twice`);
    seen.add(seq);
  }
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = HEADER_BYTES;

  constructor(length: number, tag: number) {
    if (length > MAX_MESSAGE_BYTES) {
      throw new WireError('oversized', `message of ${length} bytes > ${MAX_MESSAGE_BYTES}`);
    }
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
    this.bytes[0] = PROTOCOL_VERSION;
    this.bytes[1] = tag;
  }

  u16(n: number): void {
    this.view.setUint16(this.pos, n);
    this.pos += 2;
  }

  u32(n: number): void {
    this.view.setUint32(this.pos, n);
    this.pos += 4;
  }

  seq(n: number): void {
    this.u32(Math.floor(n / TWO_POW_32));
    this.u32(n >>> 0);
  }

  raw(chunk: Uint8Array): void {
    this.bytes.set(chunk, this.pos);
    this.pos += chunk.length;
  }
}

/**
 * Encodes a message. Throws {@link WireError} `invalid-field` on a field out of its range or an
 * inconsistent message, `oversized` on a chunk larger than {@link MAX_CHUNK_BYTES}.
 */
export function encode(message: WireMessage): Uint8Array {
  switch (message.type) {
    case 'have-map':
      return encodeHaveMap(message.seqs);
    case 'have-delta':
    case 'arriving': {
      const { added, removed } = message;
      if (message.type === 'arriving') checkDelta(added, removed, 'arriving', MAX_ARRIVING_ITEMS);
      else checkDelta(added, removed);
      const length = HEADER_BYTES + 4 + SEQ_BYTES * (added.length + removed.length);
      const w = new Writer(length, TAGS[message.type]);
      w.u16(added.length);
      w.u16(removed.length);
      for (const s of added) w.seq(s);
      for (const s of removed) w.seq(s);
      return w.bytes;
    }
    case 'request': {
      const requestId = checkU32(message.requestId, 'requestId');
      const seq = checkSeq(message.seq, 'seq');
      const offset = checkOffset(checkU32(message.offset, 'offset'));
      const w = new Writer(HEADER_BYTES + 8 + SEQ_BYTES, TAGS.request);
      w.u32(requestId);
      w.seq(seq);
      w.u32(offset);
      return w.bytes;
    }
    case 'absent': {
      const requestId = checkU32(message.requestId, 'requestId');
      const seq = checkSeq(message.seq, 'seq');
      const w = new Writer(HEADER_BYTES + 4 + SEQ_BYTES, TAGS[message.type]);
      w.u32(requestId);
      w.seq(seq);
      return w.bytes;
    }
    case 'busy': {
      const w = new Writer(HEADER_BYTES + 8 + SEQ_BYTES, TAGS.busy);
      w.u32(checkU32(message.requestId, 'requestId'));
      w.seq(checkSeq(message.seq, 'seq'));
      w.u32(checkU32(message.waitMs, 'waitMs'));
      return w.bytes;
    }
    case 'data':
      return encodeData(message);
    case 'capacity': {
      const w = new Writer(HEADER_BYTES + 4, TAGS.capacity);
      w.u32(checkU32(message.bytesPerSec, 'bytesPerSec'));
      return w.bytes;
    }
    case 'cancel': {
      const w = new Writer(HEADER_BYTES + 4, TAGS.cancel);
      w.u32(checkU32(message.requestId, 'requestId'));
      return w.bytes;
    }
    default:
      throw invalid(`unknown message type ${String((message as { type: unknown }).type)}`);
  }
}

function encodeHaveMap(seqs: unknown): Uint8Array {
  if (!Array.isArray(seqs)) throw invalid('have-map seqs is not an array');
  const list = seqs as unknown[];
  let prev = -1;
  for (const s of list) {
    if (checkSeq(s, 'have-map seq') <= prev) throw invalid('have-map seqs are not ascending');
    prev = s as number;
  }
  const first = list.length > 0 ? (list[0] as number) : 0;
  const span = list.length > 0 ? prev - first + 1 : 0;
  if (span > MAX_HAVE_SPAN) throw invalid(`have-map spans ${span} seqs > ${MAX_HAVE_SPAN}`);
  const bitmap = new Uint8Array(Math.ceil(span / 8));
  for (const s of list as number[]) {
    const i = s - first;
    bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (0x80 >> (i & 7));
  }
  const w = new Writer(HEADER_BYTES + SEQ_BYTES + 2 + bitmap.length, TAGS['have-map']);
  w.seq(first);
  w.u16(span);
  w.raw(bitmap);
  return w.bytes;
}

function encodeData(m: DataMessage): Uint8Array {
  const requestId = checkU32(m.requestId, 'requestId');
  const seq = checkSeq(m.seq, 'seq');
  const total = checkU32(m.total, 'total');
  const offset = checkU32(m.offset, 'offset');
  if (!(m.chunk instanceof Uint8Array)) throw invalid('chunk is not a Uint8Array');
  const length = m.chunk.length;
  if (total > MAX_SEGMENT_BYTES) throw invalid(`total ${total} > ${MAX_SEGMENT_BYTES}`);
  if (offset + length > total) throw invalid('chunk ends past total');
  if (length > MAX_CHUNK_BYTES) {
    throw new WireError('oversized', `chunk of ${length} bytes > ${MAX_CHUNK_BYTES}`);
  }
  const w = new Writer(DATA_HEADER_BYTES + length, TAGS.data);
  w.u32(requestId);
  w.seq(seq);
  w.u32(total);
  w.u32(offset);
  w.u32(length);
  w.raw(m.chunk);
  return w.bytes;
}

class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    if (this.pos + n > this.bytes.length) throw new WireError('truncated', 'message is truncated');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u16(): number {
    return this.view.getUint16(this.take(2));
  }

  u32(): number {
    return this.view.getUint32(this.take(4));
  }

  seq(): number {
    const hi = this.u32();
    const lo = this.u32();
    if (hi > MAX_SEQ_HIGH) throw invalid('seq exceeds Number.MAX_SAFE_INTEGER');
    return hi * TWO_POW_32 + lo;
  }

  raw(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }
}

/**
 * Decodes one message, strictly: any malformed input throws {@link WireError}, never another
 * exception. A data message's `chunk` is a view into `bytes` (copy it to keep it past `bytes`).
 */
export function decode(bytes: Uint8Array | ArrayBuffer): WireMessage {
  let input: Uint8Array;
  if (bytes instanceof Uint8Array) input = bytes;
  else if (bytes instanceof ArrayBuffer) input = new Uint8Array(bytes);
  else throw invalid('input is neither a Uint8Array nor an ArrayBuffer');
  if (input.length > MAX_MESSAGE_BYTES) {
    throw new WireError('oversized', `message of ${input.length} bytes > ${MAX_MESSAGE_BYTES}`);
  }
  const r = new Reader(input);
  const version = r.u8();
  if (version !== PROTOCOL_VERSION) {
    throw new WireError('unknown-version', `unknown protocol version ${version}`);
  }
  const message = decodeBody(r, r.u8());
  if (r.pos !== input.length) {
    throw new WireError('trailing-bytes', `${input.length - r.pos} bytes after the message`);
  }
  return message;
}

function decodeBody(r: Reader, tag: number): WireMessage {
  switch (tag) {
    case TAGS['have-map']:
      return decodeHaveMap(r);
    case TAGS['have-delta']:
    case TAGS.arriving: {
      const [what, max] =
        tag === TAGS.arriving
          ? (['arriving', MAX_ARRIVING_ITEMS] as const)
          : (['have-delta', MAX_DELTA_ITEMS] as const);
      const addedCount = r.u16();
      const removedCount = r.u16();
      if (addedCount + removedCount > max) throw invalid(`${what} has more than ${max} items`);
      const added = Array.from({ length: addedCount }, () => r.seq());
      const removed = Array.from({ length: removedCount }, () => r.seq());
      checkDelta(added, removed, what, max);
      return { type: what, added, removed };
    }
    case TAGS.request: {
      const requestId = r.u32();
      const seq = r.seq();
      const offset = checkOffset(r.u32());
      return { type: 'request', requestId, seq, offset };
    }
    case TAGS.data: {
      const requestId = r.u32();
      const seq = r.seq();
      const total = r.u32();
      const offset = r.u32();
      const length = r.u32();
      if (total > MAX_SEGMENT_BYTES) throw invalid(`total ${total} > ${MAX_SEGMENT_BYTES}`);
      if (offset + length > total) throw invalid('chunk ends past total');
      return { type: 'data', requestId, seq, total, offset, chunk: r.raw(length) };
    }
    case TAGS.cancel:
      return { type: 'cancel', requestId: r.u32() };
    case TAGS.capacity:
      return { type: 'capacity', bytesPerSec: r.u32() };
    case TAGS.absent:
      return { type: 'absent', requestId: r.u32(), seq: r.seq() };
    case TAGS.busy:
      return { type: 'busy', requestId: r.u32(), seq: r.seq(), waitMs: r.u32() };
    default:
      throw new WireError('unknown-type', `unknown message type tag ${tag}`);
  }
}

function decodeHaveMap(r: Reader): WireMessage {
  const first = r.seq();
  const span = r.u16();
  if (span > MAX_HAVE_SPAN) throw invalid(`have-map spans ${span} seqs > ${MAX_HAVE_SPAN}`);
  const bitmap = r.raw(Math.ceil(span / 8));
  if (span === 0) {
    if (first !== 0) throw invalid('empty have-map with a non-zero first seq');
    return { type: 'have-map', seqs: [] };
  }
  if (first + span - 1 > Number.MAX_SAFE_INTEGER) throw invalid('have-map ends past safe range');
  const seqs: number[] = [];
  for (let i = 0; i < bitmap.length * 8; i++) {
    if (((bitmap[i >> 3] ?? 0) & (0x80 >> (i & 7))) === 0) continue;
    if (i >= span) throw invalid('have-map bitmap padding bits are set');
    seqs.push(first + i);
  }
  if (seqs[0] !== first || seqs.at(-1) !== first + span - 1) {
    throw invalid('have-map bitmap does not start and end with a held seq');
  }
  return { type: 'have-map', seqs };
}

/** A have-delta or an `arriving` change. */
export type DeltaMessage = Extract<WireMessage, { type: 'have-delta' | 'arriving' }>;

/**
 * The messages announcing a change of a segment set (held: `have-delta`, receiving:
 * `arriving`): seqs deduplicated, one both added and removed counts as removed, at most the
 * type's item limit per message.
 */
export function deltaMessages(
  type: DeltaMessage['type'],
  added: Iterable<number>,
  removed: Iterable<number>,
): DeltaMessage[] {
  const max = type === 'arriving' ? MAX_ARRIVING_ITEMS : MAX_DELTA_ITEMS;
  const gone = new Set(removed);
  const items = [
    ...[...new Set(added)].filter((s) => !gone.has(s)).map((s) => [s, true] as const),
    ...[...gone].map((s) => [s, false] as const),
  ];
  const messages: DeltaMessage[] = [];
  for (let i = 0; i < items.length; i += max) {
    const part = items.slice(i, i + max);
    const pick = (held: boolean): number[] => part.filter((x) => x[1] === held).map((x) => x[0]);
    messages.push({ type, added: pick(true), removed: pick(false) });
  }
  return messages;
}

/**
 * Splits a segment into data messages for one request: offsets ascending from `from` (a
 * ranged request's offset, 0 for the whole segment), each chunk a view of `bytes` of at most
 * `maxChunk` bytes; an empty segment gives one message with `total` 0.
 */
export function chunkSegment(
  requestId: number,
  seq: number,
  bytes: Uint8Array,
  maxChunk: number = MAX_CHUNK_BYTES,
  from = 0,
): DataMessage[] {
  checkU32(requestId, 'requestId');
  checkSeq(seq, 'seq');
  if (!Number.isInteger(maxChunk) || maxChunk < 1 || maxChunk > MAX_CHUNK_BYTES) {
    throw invalid(`maxChunk must be an integer in 1..${MAX_CHUNK_BYTES}`);
  }
  const total = bytes.length;
  if (total > MAX_SEGMENT_BYTES) {
    throw new WireError('oversized', `segment of ${total} bytes > ${MAX_SEGMENT_BYTES}`);
  }
  if (!Number.isInteger(from) || from < 0 || (from > 0 && from >= total)) {
    throw invalid(`offset ${from} is not inside a segment of ${total} bytes`);
  }
  const messages: DataMessage[] = [];
  let offset = from;
  do {
    const chunk = bytes.subarray(offset, Math.min(offset + maxChunk, total));
    messages.push({ type: 'data', requestId, seq, total, offset, chunk });
    offset += chunk.length;
  } while (offset < total);
  return messages;
}
