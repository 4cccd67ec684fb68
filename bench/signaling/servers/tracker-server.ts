/**
 * Child process: bittorrent-tracker's WebSocket tracker (the one p2p-media-loader announces
 * to) on 127.0.0.1, port 0, without its HTTP, UDP and stats endpoints.
 */
import type { AddressInfo } from 'node:net';
import Server from 'bittorrent-tracker/server';
import { applyProcessSettings } from '../../../signaling-server/src/process-settings.js';
import { serveChild } from './child-protocol.js';

// `--tracker-settings meshcast`: the tracker runs with meshcast's V8 flags, for a fair look.
if (process.env.BENCH_TRACKER_SETTINGS === 'meshcast') applyProcessSettings();

/** Large enough that no swarm's LRU ever evicts a benchmark peer (the default is 1000). */
const PEERS_PER_SWARM = 1_000_000;

await serveChild(async () => {
  const server = new Server({
    http: false,
    udp: false,
    ws: true,
    stats: false,
    peersCacheLength: PEERS_PER_SWARM,
  });
  // Bad client messages are warnings; the benchmark counts what is delivered instead.
  server.on('warning', () => undefined);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.http?.address() as AddressInfo).port;
  return {
    port,
    members: () => Object.values(server.torrents).reduce((n, s) => n + s.peers.length, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
});
