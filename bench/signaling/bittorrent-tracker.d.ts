// The part of bittorrent-tracker's server that the benchmark uses (the package ships no types).
declare module 'bittorrent-tracker/server' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';

  interface TrackerServerOptions {
    /** Start an HTTP tracker (or options for http.createServer). */
    http?: boolean;
    /** Start a UDP tracker. */
    udp?: boolean;
    /** Start a WebSocket tracker (or options for ws's WebSocketServer). */
    ws?: boolean | Record<string, unknown>;
    /** Serve /stats. */
    stats?: boolean;
    /** Announce interval handed to clients, in ms. */
    interval?: number;
    /** Most peers kept per swarm (an LRU). @default 1000 */
    peersCacheLength?: number;
    /** Idle peers are evicted after this, in ms. @default 20 minutes */
    peersCacheTtl?: number;
  }

  interface TrackerSwarm {
    peers: { length: number };
  }

  export default class Server extends EventEmitter {
    constructor(opts?: TrackerServerOptions);
    http: HttpServer | null;
    torrents: Record<string, TrackerSwarm>;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(cb?: (err?: Error | null) => void): void;
  }
}
