import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort } from '../../../../test/support/free-port.js';

/** A throwaway coturn on loopback with `use-auth-secret`; `stop()` kills it. */
export interface TestCoturn {
  port: number;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  stop(): Promise<void>;
}

const COTURN_BINS = ['turnserver', 'turnutils_uclient'];

function coturnInstalled(): boolean {
  return COTURN_BINS.every((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);
}

/**
 * Makes sure coturn's `turnserver` and `turnutils_uclient` are installed: as root with apt-get,
 * installs Debian's `coturn`; otherwise throws, naming the package. Never skips in silence.
 */
function ensureCoturn(): true {
  if (coturnInstalled()) return true;
  const canInstall =
    process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (canInstall) {
    console.error('coturn not found: installing Debian package "coturn" with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'coturn'], { stdio: 'inherit', env });
    if (coturnInstalled()) return true;
  }
  throw new Error(
    'coturn is not installed: the TURN tests need it (sudo apt-get install -y coturn)',
  );
}

/** coturn is installed (installed here when possible; the import throws otherwise). */
export const HAS_COTURN: boolean = ensureCoturn();

/** Allocates a relay with coturn's own client and sends 2 messages through it: true if it worked. */
export function allocates(port: number, username: string, password: string): boolean {
  const run = spawnSync(
    'turnutils_uclient',
    [
      '-p',
      String(port),
      '-u',
      username,
      '-w',
      password,
      '-n',
      '2',
      '-m',
      '1',
      '-y',
      '-c',
      '127.0.0.1',
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  // The client's last summary line counts every message of both relays.
  const total = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(run.stdout);
  return run.status === 0 && Number(total?.[2] ?? 0) >= 2;
}

/**
 * Starts coturn on 127.0.0.1 (UDP and TCP on a free port, relays on loopback, loopback peers
 * allowed) checking TURN REST credentials made from `secret`.
 */
export async function startCoturn(secret: string): Promise<TestCoturn> {
  const port = await freePort();
  const relay = 40_000 + (port % 20_000);
  const pidfile = `/tmp/meshcast-coturn-${port}.pid`;
  const child: ChildProcess = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${relay}`,
      `--max-port=${relay + 50}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=meshcast',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      '--fingerprint',
      '--log-file=stdout',
      `--pidfile=${pidfile}`,
    ],
    { stdio: 'ignore' },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  // Wait until it answers an allocation with a fresh credential of its own secret.
  const { turnPassword } = await import('../../../src/signaling/turn-credentials.js');
  const probe = `${Math.floor(Date.now() / 1000) + 60}:probe`;
  for (let i = 0; i < 40 && !allocates(port, probe, turnPassword(secret, probe)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(pidfile, { force: true });
    },
  };
}
