import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { connect, until, type ClientSocket } from '../signaling-helpers.js';

/** What {@link useTestClients} needs of the server under test. */
export interface ClientsServer {
  url: string;
  signaling: { stats(): { sockets: number } };
}

/**
 * The socket.io clients of one test file. `open()` connects one; after each test every client
 * is disconnected and the server waited on until it holds no socket (then `afterDisconnect`
 * runs, for the file's own checks); an unhandled rejection anywhere in the file fails it at the
 * end. Call it at the top of the file, before the hooks that start and close the server.
 */
export function useTestClients(
  server: () => ClientsServer,
  afterDisconnect?: () => void,
): { open(): Promise<ClientSocket> } {
  const sockets: ClientSocket[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown): void => {
    unhandled.push(err);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await until(() => server().signaling.stats().sockets === 0);
    afterDisconnect?.();
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
  return {
    async open() {
      const s = await connect(server().url);
      sockets.push(s);
      return s;
    },
  };
}
