import type { ChannelStats } from '@meshcast/client/signaling';
import { Router } from 'express';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import type { QoeView } from '../qoe/qoe-view.js';
import { apiErrorHandler } from './api-errors.js';

/**
 * `GET /:id/stats` (mounted at `/api/channels`): a channel's current QoE figures and its
 * history (one point per sample interval, the last hour), as {@link ChannelStats}; with
 * several servers on one Redis, every server's figures merged.
 */
export function statsRoutes(registry: Pick<ChannelRegistry, 'get'>, qoe: QoeView): Router {
  const router = Router();
  router.get('/:id/stats', async (req, res) => {
    const id = req.params.id;
    if (!(await registry.get(id))) {
      res.status(404).json({ error: 'channel not found', id });
      return;
    }
    const [current, points] = await Promise.all([qoe.current(id), qoe.history(id)]);
    const body: ChannelStats = {
      channel: id,
      current,
      history: { intervalMs: qoe.config.sampleIntervalMs, points },
    };
    res.set('Cache-Control', 'no-store').json(body);
  });
  router.use(apiErrorHandler);
  return router;
}
