import type { ChannelStats } from '@meshcast/client/signaling';
import { Router } from 'express';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import type { QoeAggregator } from '../qoe/qoe-aggregator.js';
import { apiErrorHandler } from './api-errors.js';

/**
 * `GET /:id/stats` (mounted at `/api/channels`): a channel's current QoE figures and its
 * history (one point per sample interval, the last hour), as {@link ChannelStats}.
 */
export function statsRoutes(
  registry: Pick<ChannelRegistry, 'get'>,
  qoe: Pick<QoeAggregator, 'current' | 'history' | 'config'>,
): Router {
  const router = Router();
  router.get('/:id/stats', async (req, res) => {
    const id = req.params.id;
    if (!(await registry.get(id))) {
      res.status(404).json({ error: 'channel not found', id });
      return;
    }
    const body: ChannelStats = {
      channel: id,
      current: qoe.current(id),
      history: { intervalMs: qoe.config.sampleIntervalMs, points: qoe.history(id) },
    };
    res.set('Cache-Control', 'no-store').json(body);
  });
  router.use(apiErrorHandler);
  return router;
}
