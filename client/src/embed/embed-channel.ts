/** What an embedded player needs to know about its channel (`GET /api/embed/:channel`). */
export interface EmbedChannel {
  id: string;
  name: string;
  /** Absolute URL of the HLS multivariant playlist. */
  sourceUrl: string;
  enabled: boolean;
  p2pEnabled: boolean;
}

/** Why an embedded player could not start. */
export type EmbedErrorType =
  /** The channel's allowed embed origins do not include this page's origin. */
  | 'origin-not-allowed'
  | 'unknown-channel'
  /** The channel is off air. */
  | 'channel-disabled'
  /** The meshcast server could not be reached. */
  | 'unreachable'
  /** The server answered something unexpected. */
  | 'bad-response';

/** An embedded player's fatal start-up error; `message` is meant for viewers. */
export class EmbedError extends Error {
  constructor(
    readonly type: EmbedErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'EmbedError';
  }
}

const ERROR_TYPES = new Set<string>(['origin-not-allowed', 'unknown-channel', 'channel-disabled']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Asks the meshcast server at `server` (an origin) about a channel. Rejects with an
 * {@link EmbedError} whose message says what went wrong (refused origin, unknown channel,
 * off air, server unreachable).
 */
export async function fetchEmbedChannel(
  server: string,
  channel: string,
  signal?: AbortSignal,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): Promise<EmbedChannel> {
  const url = new URL(`/api/embed/${encodeURIComponent(channel)}`, server).href;
  let res: Response;
  let body: unknown;
  try {
    res = await fetchFn(url, { signal: signal ?? null, credentials: 'omit' });
    body = await res.json().catch(() => undefined);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new EmbedError('unreachable', `The meshcast server at ${server} cannot be reached.`);
  }
  if (!res.ok) {
    const type = isRecord(body) && typeof body.error === 'string' ? body.error : '';
    const message = isRecord(body) && typeof body.message === 'string' ? body.message : '';
    if (ERROR_TYPES.has(type) && message) throw new EmbedError(type as EmbedErrorType, message);
    throw new EmbedError('bad-response', `${url} answered HTTP ${res.status}.`);
  }
  if (
    !isRecord(body) ||
    typeof body.id !== 'string' ||
    typeof body.name !== 'string' ||
    typeof body.sourceUrl !== 'string' ||
    typeof body.enabled !== 'boolean' ||
    typeof body.p2pEnabled !== 'boolean'
  ) {
    throw new EmbedError('bad-response', `${url} answered an unexpected body.`);
  }
  const info: EmbedChannel = {
    id: body.id,
    name: body.name,
    sourceUrl: new URL(body.sourceUrl, server).href,
    enabled: body.enabled,
    p2pEnabled: body.p2pEnabled,
  };
  if (!info.enabled) {
    throw new EmbedError('channel-disabled', `“${info.name}” is off air right now.`);
  }
  return info;
}
