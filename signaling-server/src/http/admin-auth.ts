import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/** A fresh admin token (32 random bytes, base64url), for when ADMIN_TOKEN is unset. */
export function generateAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * True when `given` equals `expected`, in time independent of where they differ (and of
 * their lengths: both are hashed to 32 bytes first).
 */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`; otherwise answers 401
 * with a `WWW-Authenticate` challenge (RFC 6750) and a JSON error.
 */
export function requireAdmin(token: string): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(req.get('authorization') ?? '');
    const given = match?.[1];
    if (given === undefined) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="meshcast"')
        .json({ error: 'admin token required: send Authorization: Bearer <ADMIN_TOKEN>' });
      return;
    }
    if (!tokensEqual(given, token)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="meshcast", error="invalid_token"')
        .json({ error: 'wrong admin token' });
      return;
    }
    next();
  };
}
