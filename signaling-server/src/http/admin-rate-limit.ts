import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

/** Rate limits of the admin API, per client IP (an IPv6 /56). */
export interface AdminRateLimitConfig {
  /** Window of `maxRequests`, in milliseconds. @default 60000 */
  windowMs: number;
  /** Admin requests (writes, or any request carrying a token) per window. @default 300 */
  maxRequests: number;
  /** Window of `maxFailedAuth`, in milliseconds. @default 900000 (15 minutes) */
  failedAuthWindowMs: number;
  /**
   * Requests refused for a missing or wrong token (401) per window; past it, every admin
   * request from that IP gets 429 until the window ends, right token or not. @default 20
   */
  maxFailedAuth: number;
}

export const DEFAULT_ADMIN_RATE_LIMIT: AdminRateLimitConfig = {
  windowMs: 60_000,
  maxRequests: 300,
  failedAuthWindowMs: 15 * 60_000,
  maxFailedAuth: 20,
};

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer`);
  }
  return value;
};

/**
 * A request for the admin API: any request that carries a token (a guess included), the
 * session route, and channel writes. Public reads (the channel list that every watch page
 * loads, stats) and viewers' QoE reports are not limited here: many viewers may share an IP.
 */
export function isAdminRequest(req: Request): boolean {
  if (req.get('authorization') !== undefined) return true;
  const path = req.originalUrl;
  if (path.startsWith('/api/admin')) return true;
  const read = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
  return !read && path.startsWith('/api/channels');
}

/**
 * Rate limits for the admin API, to mount on `/api`: a general one, and a much stricter one
 * counting failed authentications only (a token cannot be guessed at speed). Refusals are
 * 429 JSON `{ error }` with `RateLimit` and `Retry-After` headers.
 */
export function adminRateLimit(config: Partial<AdminRateLimitConfig> = {}): RequestHandler[] {
  const c = { ...DEFAULT_ADMIN_RATE_LIMIT, ...config };
  for (const [name, value] of Object.entries(c)) positiveInteger(name, value);
  const common = {
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req: Request) => !isAdminRequest(req),
    // express-rate-limit warns on a forwarded header it is not told to trust: the server's
    // `trust proxy` setting decides what req.ip is.
    validate: { xForwardedForHeader: false },
  } as const;
  const requests = rateLimit({
    ...common,
    windowMs: c.windowMs,
    limit: c.maxRequests,
    message: { error: 'too many admin requests: slow down' },
  });
  const failedAuth = rateLimit({
    ...common,
    windowMs: c.failedAuthWindowMs,
    limit: c.maxFailedAuth,
    // Only refusals for the token count; the limit then blocks every admin request.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    message: { error: 'too many failed admin logins: try again later' },
  });
  return [failedAuth, requests];
}
