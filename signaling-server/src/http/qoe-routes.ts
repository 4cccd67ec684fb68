import express, { Router } from 'express';
import type { QoeIntake } from '../qoe/qoe-intake.js';
import type { ReportRejection } from '../qoe/qoe-metrics.js';
import { MAX_REPORT_BYTES } from '../qoe/report-schema.js';
import { apiErrorHandler, requireContentType } from './api-errors.js';

const STATUS: Record<ReportRejection, number> = {
  invalid: 400,
  'unknown-channel': 404,
  'channel-disabled': 403,
  'too-many-sessions': 503,
};

/**
 * `POST /api/qoe`: a player's report as a body, for `navigator.sendBeacon` on page hide
 * (`text/plain`, which needs no CORS preflight) or `fetch` (`application/json`). 204 when
 * taken; 400 / 404 / 403 / 413 / 415 / 503 with a JSON error otherwise. Any origin may post:
 * players are embedded anywhere.
 */
export function qoeRoutes(intake: Pick<QoeIntake, 'accept'>): Router {
  const router = Router();
  const types = ['text/plain', 'application/json'];
  router.use((_req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    next();
  });
  router.options('/', (_req, res) => {
    res
      .set('Access-Control-Allow-Methods', 'POST')
      .set('Access-Control-Allow-Headers', 'Content-Type')
      .set('Access-Control-Max-Age', '86400')
      .status(204)
      .end();
  });
  router.post(
    '/',
    requireContentType(...types),
    express.text({ type: types, limit: MAX_REPORT_BYTES }),
    async (req, res) => {
      let payload: unknown;
      try {
        payload = JSON.parse(String(req.body));
      } catch {
        res.status(400).json({ error: 'the body is not valid JSON' });
        return;
      }
      const result = await intake.accept(payload);
      if (result.ok) {
        res.status(204).end();
        return;
      }
      if (result.reason === 'too-many-sessions') res.set('Retry-After', '30');
      res.status(STATUS[result.reason]).json({ error: result.message, reason: result.reason });
    },
  );
  router.use(apiErrorHandler);
  return router;
}
