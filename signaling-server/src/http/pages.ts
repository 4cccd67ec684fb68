import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Response } from 'express';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import { setPagePolicy } from './security-headers.js';

/**
 * The built player-demo pages: `/` (channel list), `/watch/:channel`, `/admin`, and their
 * assets.
 * An unknown channel still gets the watch page (it explains itself) but with status 404.
 * Each page gets the Content-Security-Policy of `setPagePolicy` (HLS origins of the channels).
 */
export function pageRoutes(staticDir: string, registry: ChannelRegistry): Router {
  const router = Router();
  const page = (name: string) => join(staticDir, name);
  const sendPage = async (res: Response, name: string, status = 200): Promise<void> => {
    await setPagePolicy(res, registry);
    if (!existsSync(page(name))) {
      res
        .status(503)
        .type('text/plain')
        .send(`The pages are not built (${page(name)} is missing): run \`npm run build\`.\n`);
      return;
    }
    res.status(status).sendFile(page(name));
  };

  router.get('/', async (_req, res) => {
    await sendPage(res, 'index.html');
  });
  // The admin page is public HTML; everything it shows comes from the token-guarded API.
  router.get(['/admin', '/admin/'], async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    await sendPage(res, 'admin.html');
  });
  router.get('/watch', (_req, res) => {
    res.redirect(302, '/');
  });
  router.get('/watch/:channel', async (req, res) => {
    const known = await registry.get(req.params.channel);
    await sendPage(res, 'watch.html', known ? 200 : 404);
  });
  router.use(express.static(staticDir, { index: false, maxAge: '1h' }));
  return router;
}
