import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const entry = new URL('../../../src/index.ts', import.meta.url).pathname;

/** A meshcast server running as its own Node process (`src/index.ts` through tsx). */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a server process on a free loopback port with `env` and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then((code) => {
      reject(new Error(`server exited early with ${code}: ${stderr}`));
    });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'meshcast listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
