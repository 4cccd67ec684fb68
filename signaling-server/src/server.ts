import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { channelRoutes } from './channels/channel-routes.js';
import type { ChannelRegistry } from './channels/channel-registry.js';
import { watchChannelClosures } from './channels/channel-closures.js';
import { createChannelRegistry } from './channels/create-channel-registry.js';
import type { ServerConfig } from './config.js';
import { generateAdminToken } from './http/admin-auth.js';
import { adminRateLimit } from './http/admin-rate-limit.js';
import { adminSessionRoute } from './http/admin-session-route.js';
import { metricsRoute } from './http/metrics-route.js';
import { embedRoutes } from './http/embed-routes.js';
import { pageRoutes } from './http/pages.js';
import { qoeRoutes } from './http/qoe-routes.js';
import { securityHeaders } from './http/security-headers.js';
import { statsRoutes } from './http/stats-routes.js';
import { registerIntegrityMetrics } from './integrity/integrity-metrics.js';
import { IntegrityService } from './integrity/integrity-service.js';
import type { Logger } from './logger.js';
import { loadClip } from './origin/clip.js';
import { LoopedClipOrigin } from './origin/looped-clip-origin.js';
import { QoeAggregator } from './qoe/qoe-aggregator.js';
import { QoeIntake } from './qoe/qoe-intake.js';
import { createQoeMetrics } from './qoe/qoe-metrics.js';
import { openCluster } from './scale/cluster.js';
import { attachSignaling, type Signaling } from './signaling/attach-signaling.js';

const VERSION = '0.1.0';

/** A running meshcast server. */
export interface MeshcastServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  readonly origin: LoopedClipOrigin;
  readonly registry: ChannelRegistry;
  /** The socket.io signaling endpoint (at `config.signalingPath`). */
  readonly signaling: Signaling;
  /** Player reports aggregated per channel. */
  readonly qoe: QoeAggregator;
  /** Segment hashes and peer reports; undefined with INTEGRITY=off. */
  readonly integrity: IntegrityService | undefined;
  /** The token the channel write API requires: ADMIN_TOKEN, or one made at start. */
  readonly adminToken: string;
  /** True when ADMIN_TOKEN was unset and `adminToken` was generated (print it once). */
  readonly adminTokenGenerated: boolean;
  /** Stops accepting, closes connections and stores; safe to call twice. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  config: ServerConfig;
  logger: Logger;
  /** Wall clock for the demo origin (tests). @default Date.now */
  now?: () => number;
}

/** Builds the express app, mounts every route and starts listening. */
export async function startServer({
  config,
  logger,
  now,
}: StartServerOptions): Promise<MeshcastServer> {
  const clip = await loadClip(config.demoClipDir);
  const origin = new LoopedClipOrigin({
    clip,
    windowSegments: config.demoWindowSegments,
    epochMs: config.demoEpochMs,
    ...(now && { now }),
  });
  const registry = await createChannelRegistry(config, logger);
  const adminToken = config.adminToken ?? generateAdminToken();
  const qoe = new QoeAggregator();
  // With Redis, servers share swarms, relay signals to each other's viewers and merge QoE.
  const cluster =
    config.redisUrl === undefined
      ? undefined
      : await openCluster({ ...config, redisUrl: config.redisUrl }, qoe, logger).catch(
          async (err: unknown) => {
            qoe.destroy();
            await registry.destroy();
            throw err;
          },
        );
  // Read at scrape time only, once `signaling` exists.
  const metrics = createQoeMetrics(qoe, { stats: () => signaling.stats() });
  const intake = new QoeIntake(registry, qoe, metrics);
  const startedAt = Date.now();

  const app = express();
  const http = createServer(app);
  const integrity = config.integrity
    ? new IntegrityService({
        registry,
        logger,
        config: {
          pollMs: config.integrityPollMs,
          excludeAfterReports: config.integrityExcludeReports,
        },
        ...(cluster && { store: cluster.hashStore, shareReports: true }),
      })
    : undefined;
  if (integrity) registerIntegrityMetrics(metrics.registry, integrity);
  const signaling = attachSignaling(http, {
    config,
    logger,
    registry,
    reports: intake,
    ...(integrity && { integrity }),
    ...(cluster && { swarms: cluster.swarms, adapter: cluster.adapter }),
  });
  const unwatch = watchChannelClosures(registry, signaling, qoe, logger);
  const release = async (): Promise<void> => {
    unwatch();
    await integrity?.destroy();
    qoe.destroy();
    await signaling.destroy();
    await cluster?.destroy();
  };
  app.disable('x-powered-by');
  // Behind the trusted load balancer, req.ip (rate limits, logs) is the viewer's address.
  if (config.trustProxy) app.set('trust proxy', 1);
  app.use(securityHeaders());
  app.use(
    pinoHttp({
      logger,
      // Segment and playlist polling is constant traffic: only problems rise above debug.
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
    }),
  );
  app.get('/api/health', (_req, res) => {
    res.json({
      status: 'ok',
      version: VERSION,
      uptimeSec: Math.round((Date.now() - startedAt) / 1000),
    });
  });
  app.use('/api', adminRateLimit());
  app.use('/api/channels', channelRoutes(registry, { adminToken }));
  app.use('/api/channels', statsRoutes(registry, cluster?.qoe ?? qoe));
  app.use('/api/qoe', qoeRoutes(intake));
  app.use('/api/admin/session', adminSessionRoute(adminToken));
  app.get('/metrics', metricsRoute(metrics.registry));
  app.use(embedRoutes({ registry, staticDir: config.staticDir }));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such API route' });
  });
  app.use('/live/demo', origin.router);
  app.use(pageRoutes(config.staticDir, registry));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    logger.error({ err, url: req.url }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await release();
    await registry.destroy();
    throw err;
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
  await integrity?.start(signaling.io, url);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await release();
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
        http.closeIdleConnections();
        // Long polls and streaming responses get a moment, then are cut.
        setTimeout(() => http.closeAllConnections(), 2000).unref();
      });
      await registry.destroy();
    })();
    return closing;
  };

  return {
    url,
    port,
    http,
    origin,
    registry,
    signaling,
    qoe,
    integrity,
    adminToken,
    adminTokenGenerated: config.adminToken === undefined,
    close,
  };
}
