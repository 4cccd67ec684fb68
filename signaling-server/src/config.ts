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
};

const portSchema = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  PORT: portSchema.optional(),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  STATIC_DIR: z.string().min(1).optional(),
  DEMO_CLIP_DIR: z.string().min(1).optional(),
  DEMO_WINDOW_SEGMENTS: z.coerce.number().int().min(3).max(60).optional(),
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
  const d = DEFAULT_SERVER_CONFIG;
  return {
    port: e.PORT ?? d.port,
    host: e.HOST ?? d.host,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? d.publicUrl,
    logLevel: e.LOG_LEVEL ?? d.logLevel,
    staticDir: e.STATIC_DIR ?? d.staticDir,
    demoClipDir: e.DEMO_CLIP_DIR ?? d.demoClipDir,
    demoWindowSegments: e.DEMO_WINDOW_SEGMENTS ?? d.demoWindowSegments,
  };
}
