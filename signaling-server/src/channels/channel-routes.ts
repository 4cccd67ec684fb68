import { Router } from 'express';
import type { ChannelRegistry } from './channel-registry.js';

/** `GET /api/channels` and `GET /api/channels/:id` (404 JSON for an unknown id). */
export function channelRoutes(registry: ChannelRegistry): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ channels: await registry.list() });
  });
  router.get('/:id', async (req, res) => {
    const channel = await registry.get(req.params.id);
    if (!channel) {
      res.status(404).json({ error: 'channel not found', id: req.params.id });
      return;
    }
    res.json(channel);
  });
  return router;
}
