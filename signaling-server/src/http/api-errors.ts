import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { ChannelRegistryError } from '../channels/channel-registry.js';

/** body-parser's error types -> what the client did wrong. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'the body is not valid JSON',
  'entity.too.large': 'the body is too large',
  'encoding.unsupported': 'unsupported content encoding',
  'charset.unsupported': 'unsupported charset',
  'request.aborted': 'the request was aborted',
  'request.size.invalid': 'the body size does not match Content-Length',
};

/** Refuses a request whose body is not of one of `types` with 415 (before parsing it). */
export function requireContentType(...types: string[]): RequestHandler {
  return (req, res, next) => {
    if (req.is(types)) {
      next();
      return;
    }
    res.status(415).json({ error: `send the body as ${types.join(' or ')}` });
  };
}

/** Parses an `application/json` body of at most `limit` bytes; 415 for other types. */
export function jsonBody(limit: number): RequestHandler {
  return Router().use(requireContentType('application/json'), express.json({ limit }));
}

/**
 * JSON answers for the API's expected failures: a body that does not parse (4xx, naming the
 * problem) and a channel store that cannot be reached (503). Anything else goes on to the
 * app's 500 handler.
 */
export const apiErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof ChannelRegistryError && err.code === 'store') {
    res.status(503).json({ error: 'the channel store is unavailable; try again' });
    return;
  }
  const type = (err as { type?: unknown } | null)?.type;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error: BODY_ERRORS[type] ?? 'bad request' });
    return;
  }
  next(err);
};
