import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../../../test/support/free-port.js';

/** A throwaway redis-server on loopback: no persistence, killed by `stop()`. */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Throws, naming the package, when redis-server is not installed. */
export function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed: the Redis store tests need it (apt-get install -y redis-server)',
    );
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** Starts redis-server on 127.0.0.1 on a free port and waits until it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  requireRedisServer();
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  // If the test run dies first, the server must not outlive it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const state = { exited: false };
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      state.exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (state.exited) throw new Error(`redis-server exited at start (port ${port})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not start in 10 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      process.off('exit', killOnExit);
      if (!state.exited) child.kill('SIGTERM');
      await exit;
    },
  };
}
