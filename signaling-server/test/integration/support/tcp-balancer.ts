import { connect, createServer, type Socket } from 'node:net';

/** A round-robin TCP load balancer on loopback, as tests put in front of several servers. */
export interface TcpBalancer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The backend URL each accepted connection went to, in order (undefined: none accepted). */
  readonly routed: (string | undefined)[];
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Starts a balancer on a free loopback port: each new connection goes to the next backend in
 * turn; a backend that refuses it (stopped, crashed) is skipped for the next one. Bytes are
 * piped as they are, so WebSocket and HTTP work; like any layer-4 balancer without
 * stickiness, it suits socket.io over WebSocket only (long polling needs sticky sessions).
 */
export async function startTcpBalancer(backends: readonly string[]): Promise<TcpBalancer> {
  const targets = backends.map((url) => {
    const u = new URL(url);
    return { url, host: u.hostname, port: Number(u.port) };
  });
  const routed: (string | undefined)[] = [];
  const open = new Set<Socket>();
  let next = 0;

  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const server = createServer((client) => {
    track(client);
    client.pause();
    const index = routed.push(undefined) - 1;
    const attempt = (tries: number): void => {
      if (tries >= targets.length || client.destroyed) {
        client.destroy();
        return;
      }
      const target = targets[next++ % targets.length];
      if (!target) return;
      const upstream = connect(target.port, target.host);
      track(upstream);
      const refused = (): void => {
        attempt(tries + 1);
      };
      upstream.once('error', refused);
      upstream.once('connect', () => {
        routed[index] = target.url;
        upstream.off('error', refused);
        const cut = (): void => {
          client.destroy();
          upstream.destroy();
        };
        for (const s of [client, upstream]) {
          s.on('error', cut);
          s.on('close', cut);
        }
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    routed,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
