import type { IceCandidateFilter, IceServer } from '@meshcast/client/signaling';
import { z } from 'zod';

/**
 * Server configuration, read once from the environment. Every field has a documented default;
 * a bad value stops the server at start with a message naming the variable.
 */
export interface ServerConfig {
  /** TCP port to listen on; 0 picks a free port (tests). @default 8080 */
  port: number;
  /** Interface to bind. Docker compose sets 0.0.0.0. @default '127.0.0.1' */
  host: string;
  /**
   * The URL viewers reach this server at (behind a proxy or load balancer). Used in printed
   * links and absolute URLs. @default `http://${host}:${port}` (the bound address)
   */
  publicUrl: string | undefined;
  /** pino level: fatal, error, warn, info, debug, trace or silent. @default 'info' */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Directory of the built player-demo pages. @default '<repo>/player-demo/dist' */
  staticDir: string;
  /** Directory of the demo clip (clip.json + segments). @default '<package>/assets/demo' */
  demoClipDir: string;
  /** Segments listed in the demo live media playlist (the sliding window). @default 6 */
  demoWindowSegments: number;
  /**
   * When the demo stream's media sequence 0 started (env `DEMO_EPOCH`, an ISO date). Every
   * server with the same epoch serves the same stream. @default 2026-11-01T00:00:00Z
   */
  demoEpochMs: number;
  /**
   * STUN/TURN servers handed to viewers on join (env `ICE_SERVERS`, a JSON array of
   * `RTCIceServer`). Empty is fine on a LAN or loopback; internet deployments set STUN and
   * usually TURN. @default []
   */
  iceServers: IceServer[];
  /** ICE candidates viewers keep: 'none' keeps all, 'loopback' only loopback ones. @default 'none' */
  iceCandidateFilter: IceCandidateFilter;
  /** Server-wide cap on neighbours per join; a channel's `maxNeighbours` may be lower. @default 8 */
  signalingMaxNeighbours: number;
  /**
   * Joins (and `more` requests) one connection may make per second, sustained (env
   * `SIGNALING_JOIN_RATE`); more are refused with `rate-limited`. @default 2
   */
  signalingJoinRate: number;
  /** Joins one connection may make at once, before the rate applies (env `SIGNALING_JOIN_BURST`). @default 10 */
  signalingJoinBurst: number;
  /**
   * Signals one connection may relay per second, sustained (env `SIGNALING_RELAY_RATE`); a
   * WebRTC handshake takes an offer or answer and a few ICE candidates. @default 50
   */
  signalingRelayRate: number;
  /** Signals one connection may relay at once, before the rate applies (env `SIGNALING_RELAY_BURST`). @default 200 */
  signalingRelayBurst: number;
  /** URL path of the socket.io endpoint. @default '/socket.io' */
  signalingPath: string;
  /** Largest socket.io message accepted, in bytes (socket.io `maxHttpBufferSize`). @default 65536 */
  signalingMaxMessageBytes: number;
  /**
   * TURN server URLs (env `TURN_URLS`, comma-separated `turn:`/`turns:` URLs). With
   * `turnSecret`, each viewer gets time-limited credentials for them on join (the TURN REST
   * scheme of coturn's `use-auth-secret`). @default [] (no TURN credentials)
   */
  turnUrls: string[];
  /**
   * The secret shared with the TURN server (env `TURN_SECRET`, coturn `static-auth-secret`),
   * at least 16 characters; required when `turnUrls` is set. @default undefined
   */
  turnSecret: string | undefined;
  /** How long a viewer's TURN credentials stay valid, in seconds (env `TURN_TTL`). @default 86400 */
  turnTtlSeconds: number;
  /**
   * The server sits behind a load balancer it trusts (env `TRUST_PROXY`, `true`/`false`): only
   * then are `X-Forwarded-For` and the locality header read. @default false
   */
  trustProxy: boolean;
  /**
   * Request header naming the viewer's region, set by the trusted load balancer (env
   * `LOCALITY_HEADER`, lowercase). Read only with `trustProxy`. @default 'x-meshcast-region'
   */
  localityHeader: string;
  /**
   * Share of each neighbour list drawn at random from the whole swarm (env
   * `LOCALITY_RANDOM_SHARE`, 0–1); the rest prefers peers of the same locality (region
   * header, else /24 IPv4 or /48 IPv6 subnet). Random links keep the mesh connected; 1 turns
   * locality off. @default 0.25
   */
  localityRandomShare: number;
  /** Directory of the channel database (`meshcast.db`, SQLite) when Redis is not used. @default '<repo>/data' */
  dataDir: string;
  /**
   * Redis URL (`redis://[:password@]host:port[/db]`); when set, channels live in Redis and
   * every server sharing it sees the same channels. @default undefined (SQLite in dataDir)
   */
  redisUrl: string | undefined;
  /**
   * With `redisUrl`: servers share swarms, relay signals to each other's viewers and merge
   * QoE. A server that stops heartbeating (hung, cut off from Redis) keeps its viewers in the
   * shared swarms this long; it heartbeats every third of it. (A crashed process is noticed
   * sooner, by its presence channel.) @default 10000
   */
  redisNodeTtlMs: number;
  /**
   * Bearer token for the channel write API (at least 16 characters). When unset, the server
   * makes one at start and prints it once. @default undefined (generated)
   */
  adminToken: string | undefined;
  /**
   * Segment integrity (env `INTEGRITY`, on|off): the server fetches every new segment of each
   * rendition that has viewers, hashes it (SHA-256) and publishes the hashes; viewers check
   * every segment a peer sends against them. Costs one copy of each segment per watched
   * rendition (and per server). @default true
   */
  integrity: boolean;
  /** How often watched media playlists are polled, ms (env `INTEGRITY_POLL_MS`). @default 500 */
  integrityPollMs: number;
  /**
   * Distinct viewers that must report a peer for corrupt segments before the server stops
   * offering it as a neighbour (env `INTEGRITY_EXCLUDE_REPORTS`). @default 2
   */
  integrityExcludeReports: number;
}

const packageRoot = new URL('../', import.meta.url);

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  port: 8080,
  host: '127.0.0.1',
  publicUrl: undefined,
  logLevel: 'info',
  staticDir: decodeURIComponent(new URL('../player-demo/dist', packageRoot).pathname),
  demoClipDir: decodeURIComponent(new URL('assets/demo', packageRoot).pathname),
  demoWindowSegments: 6,
  demoEpochMs: Date.UTC(2026, 10, 1),
  iceServers: [],
  iceCandidateFilter: 'none',
  signalingMaxNeighbours: 8,
  signalingJoinRate: 2,
  signalingJoinBurst: 10,
  signalingRelayRate: 50,
  signalingRelayBurst: 200,
  signalingPath: '/socket.io',
  signalingMaxMessageBytes: 64 * 1024,
  turnUrls: [],
  turnSecret: undefined,
  turnTtlSeconds: 86_400,
  trustProxy: false,
  localityHeader: 'x-meshcast-region',
  localityRandomShare: 0.25,
  dataDir: decodeURIComponent(new URL('../data', packageRoot).pathname),
  redisUrl: undefined,
  redisNodeTtlMs: 10_000,
  adminToken: undefined,
  integrity: true,
  integrityPollMs: 500,
  integrityExcludeReports: 2,
};

const portSchema = z.coerce.number().int().min(0).max(65535);

const iceServersSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.strictObject({
          urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
          username: z.string().optional(),
          credential: z.string().optional(),
        }),
      )
      .max(16),
  );

const envSchema = z.object({
  PORT: portSchema.optional(),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  STATIC_DIR: z.string().min(1).optional(),
  DEMO_CLIP_DIR: z.string().min(1).optional(),
  DEMO_WINDOW_SEGMENTS: z.coerce.number().int().min(3).max(60).optional(),
  DEMO_EPOCH: z.iso.datetime({ offset: true }).optional(),
  ICE_SERVERS: iceServersSchema.optional(),
  ICE_CANDIDATE_FILTER: z.enum(['none', 'loopback']).optional(),
  SIGNALING_MAX_NEIGHBOURS: z.coerce.number().int().min(1).max(64).optional(),
  SIGNALING_JOIN_RATE: z.coerce.number().positive().max(10_000).optional(),
  SIGNALING_JOIN_BURST: z.coerce.number().int().min(1).max(100_000).optional(),
  SIGNALING_RELAY_RATE: z.coerce.number().positive().max(100_000).optional(),
  SIGNALING_RELAY_BURST: z.coerce.number().int().min(1).max(1_000_000).optional(),
  SIGNALING_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/)
    .optional(),
  SIGNALING_MAX_MESSAGE_BYTES: z.coerce.number().int().min(20_000).max(16_777_216).optional(),
  TURN_URLS: z
    .string()
    .transform((text) => text.split(',').map((u) => u.trim()))
    .pipe(
      z
        .array(z.string().regex(/^turns?:[^\s,]+$/, 'turn: or turns: URLs'))
        .min(1)
        .max(8),
    )
    .optional(),
  TURN_SECRET: z.string().min(16, 'at least 16 characters').max(256).optional(),
  TURN_TTL: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .optional(),
  TRUST_PROXY: z.stringbool().optional(),
  LOCALITY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .transform((h) => h.toLowerCase())
    .optional(),
  LOCALITY_RANDOM_SHARE: z.coerce.number().min(0).max(1).optional(),
  DATA_DIR: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_NODE_TTL_MS: z.coerce.number().int().min(300).max(300_000).optional(),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').max(256).optional(),
  INTEGRITY: z.enum(['on', 'off']).optional(),
  INTEGRITY_POLL_MS: z.coerce.number().int().min(100).max(60_000).optional(),
  INTEGRITY_EXCLUDE_REPORTS: z.coerce.number().int().min(1).max(100).optional(),
});

/** The environment variables the server reads, for docs and the compose check. */
export const CONFIG_ENV_NAMES = Object.keys(envSchema.shape);

/** Thrown when the environment holds a bad value; the message names every bad variable. */
export class ConfigError extends Error {
  readonly type = 'config' as const;
}

/** Reads and validates the configuration from an environment (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const picked = Object.fromEntries(
    CONFIG_ENV_NAMES.map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if ((e.TURN_URLS === undefined) !== (e.TURN_SECRET === undefined)) {
    throw new ConfigError('invalid configuration: TURN_URLS and TURN_SECRET: set both or neither');
  }
  const d = DEFAULT_SERVER_CONFIG;
  return {
    port: e.PORT ?? d.port,
    host: e.HOST ?? d.host,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? d.publicUrl,
    logLevel: e.LOG_LEVEL ?? d.logLevel,
    staticDir: e.STATIC_DIR ?? d.staticDir,
    demoClipDir: e.DEMO_CLIP_DIR ?? d.demoClipDir,
    demoWindowSegments: e.DEMO_WINDOW_SEGMENTS ?? d.demoWindowSegments,
    demoEpochMs: e.DEMO_EPOCH === undefined ? d.demoEpochMs : Date.parse(e.DEMO_EPOCH),
    iceServers: e.ICE_SERVERS ?? d.iceServers,
    iceCandidateFilter: e.ICE_CANDIDATE_FILTER ?? d.iceCandidateFilter,
    signalingMaxNeighbours: e.SIGNALING_MAX_NEIGHBOURS ?? d.signalingMaxNeighbours,
    signalingJoinRate: e.SIGNALING_JOIN_RATE ?? d.signalingJoinRate,
    signalingJoinBurst: e.SIGNALING_JOIN_BURST ?? d.signalingJoinBurst,
    signalingRelayRate: e.SIGNALING_RELAY_RATE ?? d.signalingRelayRate,
    signalingRelayBurst: e.SIGNALING_RELAY_BURST ?? d.signalingRelayBurst,
    signalingPath: e.SIGNALING_PATH ?? d.signalingPath,
    signalingMaxMessageBytes: e.SIGNALING_MAX_MESSAGE_BYTES ?? d.signalingMaxMessageBytes,
    turnUrls: e.TURN_URLS ?? d.turnUrls,
    turnSecret: e.TURN_SECRET ?? d.turnSecret,
    turnTtlSeconds: e.TURN_TTL ?? d.turnTtlSeconds,
    trustProxy: e.TRUST_PROXY ?? d.trustProxy,
    localityHeader: e.LOCALITY_HEADER ?? d.localityHeader,
    localityRandomShare: e.LOCALITY_RANDOM_SHARE ?? d.localityRandomShare,
    dataDir: e.DATA_DIR ?? d.dataDir,
    redisUrl: e.REDIS_URL ?? d.redisUrl,
    redisNodeTtlMs: e.REDIS_NODE_TTL_MS ?? d.redisNodeTtlMs,
    adminToken: e.ADMIN_TOKEN ?? d.adminToken,
    integrity: e.INTEGRITY === undefined ? d.integrity : e.INTEGRITY === 'on',
    integrityPollMs: e.INTEGRITY_POLL_MS ?? d.integrityPollMs,
    integrityExcludeReports: e.INTEGRITY_EXCLUDE_REPORTS ?? d.integrityExcludeReports,
  };
}
