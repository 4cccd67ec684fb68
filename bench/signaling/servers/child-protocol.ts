/** Messages between the benchmark and a server child process (over the IPC channel). */

/** Parent -> child: a status query (after a full GC when `gc`), or stop. */
export type ParentMessage = { type: 'status'; id: number; gc: boolean } | { type: 'stop' };

/** What the server reports about itself. */
export interface ChildStatus {
  /** Peers the server holds in swarms (memberships summed over swarms). */
  members: number;
  /** V8 heap in use (process.memoryUsage().heapUsed). */
  heapUsedBytes: number;
  /** V8 heap committed (process.memoryUsage().heapTotal): in use plus free pages kept. */
  heapTotalBytes: number;
}

/** Child -> parent. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | ({ type: 'status'; id: number } & ChildStatus)
  | { type: 'failed'; message: string };

/** What a child entry starts: a server on 127.0.0.1 and a port. */
export interface ChildServer {
  readonly port: number;
  /** Peers the server holds in swarms right now (memberships summed over swarms). */
  members(): number;
  close(): Promise<void>;
}

/**
 * Runs a server in this (child) process under the parent's control: reports the port, answers
 * member counts and stops on `stop` or when the parent goes away.
 */
export async function serveChild(start: () => Promise<ChildServer>): Promise<void> {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  if (!process.send) throw new Error('run this as a child process with an IPC channel');
  let server: ChildServer;
  try {
    server = await start();
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  const stop = (): void => {
    const hardStop = setTimeout(() => process.exit(0), 3000);
    hardStop.unref();
    void server.close().finally(() => process.exit(0));
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'status') {
      // Run with --expose-gc: collect twice so that garbage does not count as held memory.
      if (message.gc) {
        globalThis.gc?.();
        globalThis.gc?.();
      }
      const { heapUsed: heapUsedBytes, heapTotal: heapTotalBytes } = process.memoryUsage();
      const members = server.members();
      send({ type: 'status', id: message.id, members, heapUsedBytes, heapTotalBytes });
    } else {
      stop();
    }
  });
  process.on('disconnect', stop);
  send({ type: 'ready', port: server.port });
}
