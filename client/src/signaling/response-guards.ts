import {
  MAX_SIGNAL_BYTES,
  type IceConfig,
  type IceServer,
  type RelayedSignal,
  type SignalingErrorCode,
  type SignalingErrorInfo,
} from './protocol.js';

// Shape checks of what the server sends: a broken or hostile server must not be able to hand
// the engine a non-array neighbour list or a giant id.

const MAX_ID_LENGTH = 64;
const MAX_NEIGHBOURS = 256;
const MAX_TEXT = 1000;

const ERROR_CODES = {
  'bad-request': true,
  'unknown-event': true,
  'unknown-channel': true,
  'channel-disabled': true,
  'p2p-disabled': true,
  'origin-not-allowed': true,
  'not-in-swarm': true,
  'unsupported-wire': true,
  'too-many-swarms': true,
  'rate-limited': true,
  internal: true,
} satisfies Record<SignalingErrorCode, true>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
}

/** A server error as data; unknown codes become `internal`. Undefined if not an error. */
export function parseErrorInfo(v: unknown): SignalingErrorInfo | undefined {
  if (!isRecord(v) || typeof v.code !== 'string' || typeof v.message !== 'string') return undefined;
  const code = Object.hasOwn(ERROR_CODES, v.code) ? (v.code as SignalingErrorCode) : 'internal';
  const info: SignalingErrorInfo = { code, message: v.message.slice(0, MAX_TEXT) };
  if (typeof v.event === 'string') info.event = v.event.slice(0, MAX_ID_LENGTH);
  return info;
}

/** A list of peer ids, or undefined. */
export function parsePeerIds(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > MAX_NEIGHBOURS) return undefined;
  return v.every(isId) ? [...v] : undefined;
}

function parseIceServer(v: unknown): IceServer | undefined {
  if (!isRecord(v)) return undefined;
  const { urls, username, credential } = v;
  const okUrls =
    typeof urls === 'string' ||
    (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
  if (!okUrls) return undefined;
  if (username !== undefined && typeof username !== 'string') return undefined;
  if (credential !== undefined && typeof credential !== 'string') return undefined;
  const server: IceServer = { urls: Array.isArray(urls) ? [...urls] : urls };
  if (username !== undefined) server.username = username;
  if (credential !== undefined) server.credential = credential;
  return server;
}

/** The ICE configuration from a join answer, or undefined. */
export function parseIceConfig(v: unknown): IceConfig | undefined {
  if (!isRecord(v) || !Array.isArray(v.iceServers)) return undefined;
  if (v.candidateFilter !== 'none' && v.candidateFilter !== 'loopback') return undefined;
  const iceServers = v.iceServers.map(parseIceServer);
  if (!iceServers.every((s) => s !== undefined)) return undefined;
  return { iceServers, candidateFilter: v.candidateFilter };
}

/** A parsed acknowledgement: the fields of a success, or the server's refusal. */
export type ParsedAck =
  { ok: true; body: Record<string, unknown> } | { ok: false; error: SignalingErrorInfo };

/** Acknowledgement of any request, or undefined when it has no recognisable shape. */
export function parseAck(v: unknown): ParsedAck | undefined {
  if (!isRecord(v)) return undefined;
  if (v.ok === true) return { ok: true, body: v };
  const error = v.ok === false ? parseErrorInfo(v.error) : undefined;
  return error && { ok: false, error };
}

/** A relayed signal, or undefined if malformed (oversized data included). */
export function parseRelayedSignal(v: unknown): RelayedSignal | undefined {
  if (!isRecord(v) || typeof v.swarm !== 'string' || !isId(v.from) || !isRecord(v.data)) {
    return undefined;
  }
  let size: number;
  try {
    size = JSON.stringify(v.data).length;
  } catch {
    return undefined;
  }
  if (size > MAX_SIGNAL_BYTES) return undefined;
  return { swarm: v.swarm, from: v.from, data: v.data };
}
