import { createServer } from 'node:net';

/**
 * A loopback TCP port free right now, for a child process that must be told its port
 * (redis-server, turnserver); our own servers listen on port 0 instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
