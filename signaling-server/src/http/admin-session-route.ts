import { Router } from 'express';
import { requireAdmin } from './admin-auth.js';

/**
 * `GET /` (mounted at `/api/admin/session`): 200 `{ ok: true }` with the right
 * `Authorization: Bearer <token>`, 401 otherwise (as the channel write API answers). The admin
 * page checks a token with it at login: a call that changes nothing.
 */
export function adminSessionRoute(adminToken: string): Router {
  const router = Router();
  router.get('/', requireAdmin(adminToken), (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });
  return router;
}
