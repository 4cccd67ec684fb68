import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { Channel } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import {
  embedOriginAllowed,
  normalizeOrigin,
  refusedOriginMessage,
} from '../channels/embed-origin.js';
import { setPagePolicy } from './security-headers.js';

/** The built one-script embed bundle (`npm run build` in client/ makes it). */
export const DEFAULT_EMBED_BUNDLE = fileURLToPath(
  new URL('../../../client/dist/meshcast.js', import.meta.url),
);

export interface EmbedRoutesOptions {
  /** Where channels are looked up (`list`: the HLS origins the pages' CSP allows). */
  registry: Pick<ChannelRegistry, 'get' | 'list'>;
  /** Directory of the built player-demo pages (embed.html, videojs.html, embed-example.html). */
  staticDir: string;
  /** The IIFE bundle served as `/meshcast.js`. @default DEFAULT_EMBED_BUNDLE */
  bundlePath?: string;
}

/** What an embedded player is told about its channel: `GET /api/embed/:channel`. */
export type EmbedChannelInfo = Pick<
  Channel,
  'id' | 'name' | 'sourceUrl' | 'enabled' | 'p2pEnabled'
>;

/**
 * The embedding surface:
 * - `GET /meshcast.js` (and its source map): the one-script embed, loadable from any page;
 * - `GET /api/embed/:channel`: channel info for embedded players. CORS honours the channel's
 *   allowed embed origins: a refused origin gets 403 with a readable reason (the response is
 *   readable by the page, so the player can show it; nothing about the channel leaks);
 * - `GET /embed/:channel`: the iframe embed page; its CSP `frame-ancestors` names who may frame
 *   it (the channel's allowed embed origins, or anyone), so `X-Frame-Options` is dropped;
 * - `GET /demo/videojs`, `GET /demo/embed`: the video.js and embedding demo pages.
 */
export function embedRoutes({
  registry,
  staticDir,
  bundlePath = DEFAULT_EMBED_BUNDLE,
}: EmbedRoutesOptions): Router {
  const router = Router();
  const missing = (res: Response, what: string): void => {
    res.status(503).type('text/plain').send(`${what} is not built: run \`npm run build\`.\n`);
  };
  const sendPage = (res: Response, name: string, status = 200): void => {
    const file = join(staticDir, name);
    if (existsSync(file)) res.status(status).sendFile(file);
    else missing(res, file);
  };

  router.get(['/meshcast.js', '/meshcast.js.map'], (req, res) => {
    const file = req.path.endsWith('.map') ? `${bundlePath}.map` : bundlePath;
    if (!existsSync(file)) {
      missing(res, file);
      return;
    }
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Cache-Control', 'public, max-age=300');
    res.sendFile(file);
  });

  router.get('/api/embed/:channel', async (req, res) => {
    const origin = req.get('origin');
    res.vary('Origin');
    res.set('Cache-Control', 'no-store');
    if (origin !== undefined) res.set('Access-Control-Allow-Origin', origin);
    const id = req.params.channel;
    const channel = await registry.get(id);
    if (!channel) {
      res
        .status(404)
        .json({ error: 'unknown-channel', message: `There is no channel called “${id}”.` });
      return;
    }
    if (!embedOriginAllowed(channel.allowedOrigins, origin, req.get('host'))) {
      res.status(403).json({
        error: 'origin-not-allowed',
        message: refusedOriginMessage(channel.name, origin),
      });
      return;
    }
    const { name, sourceUrl, enabled, p2pEnabled } = channel;
    const info: EmbedChannelInfo = { id: channel.id, name, sourceUrl, enabled, p2pEnabled };
    res.json(info);
  });

  router.get('/embed/:channel', async (req, res) => {
    const channel = await registry.get(req.params.channel);
    const allowed = channel?.allowedOrigins ?? [];
    const anyone = allowed.length === 0 || allowed.includes('*');
    const sources = allowed.map(normalizeOrigin).filter((o) => o !== undefined);
    res.removeHeader('X-Frame-Options');
    await setPagePolicy(res, registry, { frameAncestors: anyone ? '*' : ['self', ...sources] });
    sendPage(res, 'embed.html', channel ? 200 : 404);
  });
  router.get('/demo/videojs', async (_req, res) => {
    await setPagePolicy(res, registry);
    sendPage(res, 'videojs.html');
  });
  router.get('/demo/embed', async (_req, res) => {
    await setPagePolicy(res, registry);
    sendPage(res, 'embed-example.html');
  });
  return router;
}
