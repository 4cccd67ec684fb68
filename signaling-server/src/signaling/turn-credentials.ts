import { createHmac } from 'node:crypto';
import type { IceServer } from '@meshcast/client/signaling';

/** What TURN credentials are made from; narrowed from the server configuration. */
export interface TurnCredentialConfig {
  /** `turn:`/`turns:` URLs of the TURN server(s); empty means no TURN credentials. */
  turnUrls: readonly string[];
  /** The secret shared with the TURN server (coturn `static-auth-secret`). */
  turnSecret: string | undefined;
  /** Lifetime of a credential, seconds. */
  turnTtlSeconds: number;
}

/**
 * Time-limited TURN credentials for one viewer, in the TURN REST scheme that coturn checks
 * with `use-auth-secret`: the username is `<expiry unix seconds>:<peerId>` and the password
 * is base64(HMAC-SHA1(secret, username)). The TURN server recomputes the HMAC from the same
 * secret and refuses a username whose expiry is past, so nothing is stored anywhere and a
 * leaked credential dies on its own.
 *
 * Returns undefined when TURN is not configured.
 *
 * @param nowMs wall clock, ms since the Unix epoch
 * @example
 * turnCredentials({ turnUrls: ['turn:turn.example.com:3478'], turnSecret, turnTtlSeconds: 86400 }, 'p1', Date.now())
 * // { urls: ['turn:…'], username: '1795000000:p1', credential: 'base64…' }
 */
export function turnCredentials(
  config: TurnCredentialConfig,
  peerId: string,
  nowMs: number,
): IceServer | undefined {
  const { turnUrls, turnSecret, turnTtlSeconds } = config;
  if (turnUrls.length === 0 || turnSecret === undefined) return undefined;
  const expiry = Math.floor(nowMs / 1000) + turnTtlSeconds;
  const username = `${expiry}:${peerId}`;
  return {
    urls: [...turnUrls],
    username,
    credential: turnPassword(turnSecret, username),
  };
}

/**
 * The ICE servers for one viewer's join: the configured ones (copied) plus, when TURN is
 * configured, the TURN URLs with this viewer's time-limited credentials.
 */
export function iceServersFor(
  config: TurnCredentialConfig & { iceServers: readonly IceServer[] },
  peerId: string,
  nowMs: number,
): IceServer[] {
  const servers = structuredClone(config.iceServers) as IceServer[];
  const turn = turnCredentials(config, peerId, nowMs);
  return turn ? [...servers, turn] : servers;
}

/** base64(HMAC-SHA1(secret, username)): the TURN REST password for a username. */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}
