import type {
  JoinRequest,
  LeaveRequest,
  MoreRequest,
  SignalData,
  SignalRequest,
} from '@meshcast/client/signaling';
import { z } from 'zod';

// The same patterns as the client's protocol.ts (the server may import its types only); a unit
// test checks that the two stay equal.
export const CHANNEL_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const RENDITION_RE = /^[A-Za-z0-9_.-]{1,32}$/;
export const SWARM_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}\/[A-Za-z0-9_.-]{1,32}$/;
/** Largest signal data relayed (JSON bytes); equals the client's MAX_SIGNAL_BYTES. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** The peer wire protocol version the server pairs; equals the client's PEER_WIRE_VERSION. */
export const PEER_WIRE_VERSION = 2;
/** Most swarms per socket; equals the client's MAX_SWARMS_PER_SOCKET. */
export const MAX_SWARMS_PER_SOCKET = 4;
/** Socket ids are 20 characters; other adapters may use longer ids. */
const MAX_PEER_ID_LENGTH = 64;
/** Most ids a viewer may exclude in `more` (its neighbours and recent failures). */
export const MAX_EXCLUDE = 256;
/** simple-peer signals nest 3 levels at most; anything deeper is not a signal. */
const MAX_SIGNAL_DEPTH = 8;

const peerId = z.string().min(1).max(MAX_PEER_ID_LENGTH);
const swarm = z.string().regex(SWARM_ID_RE, 'not a swarm id (channel/rendition)');

/**
 * The JSON size of `value` if it is plain JSON data (null, booleans, finite numbers,
 * strings, arrays, plain objects) nested at most `maxDepth` deep and at most `maxBytes`
 * long; otherwise undefined. The depth bound comes first, so deep input cannot overflow the
 * stack.
 */
export function plainJsonSize(
  value: unknown,
  maxBytes: number,
  maxDepth: number,
): number | undefined {
  const isPlain = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
    if (typeof v === 'number') return Number.isFinite(v);
    if (typeof v !== 'object' || depth >= maxDepth) return false;
    if (Array.isArray(v)) return v.every((item) => isPlain(item, depth + 1));
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v).every((item) => isPlain(item, depth + 1));
  };
  if (!isPlain(value, 0)) return undefined;
  // Counted in place: no copy of the encoded bytes on the relay's hot path.
  const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
  return size <= maxBytes ? size : undefined;
}

const signalData = z.custom<SignalData>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    plainJsonSize(v, MAX_SIGNAL_BYTES, MAX_SIGNAL_DEPTH) !== undefined,
  `signal data must be a JSON object of at most ${MAX_SIGNAL_BYTES} bytes`,
);

export const joinSchema = z.strictObject({
  channel: z.string().regex(CHANNEL_ID_RE, 'not a channel id'),
  rendition: z.string().regex(RENDITION_RE, 'not a rendition name'),
  wire: z.number().int().min(1).max(255).optional(),
}) satisfies z.ZodType<JoinRequest>;

export const moreSchema = z.strictObject({
  swarm,
  exclude: z.array(peerId).max(MAX_EXCLUDE),
}) satisfies z.ZodType<MoreRequest>;

export const signalSchema = z.strictObject({
  swarm,
  to: peerId,
  data: signalData,
}) satisfies z.ZodType<SignalRequest>;

export const leaveSchema = z.strictObject({ swarm }) satisfies z.ZodType<LeaveRequest>;

/** One line naming what is wrong, for the `error` event (never echoes the payload). */
export function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid payload';
  const where = first.path.length > 0 ? first.path.map(String).join('.') : 'payload';
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  // Messages may quote unknown keys, which the client chose: keep the line short.
  return `${where}: ${first.message}`.slice(0, 200) + more;
}
