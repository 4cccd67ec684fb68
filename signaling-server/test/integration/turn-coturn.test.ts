import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IceServer, JoinAck } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import { turnPassword } from '../../src/signaling/turn-credentials.js';
import type { ClientSocket } from './signaling-helpers.js';

// A real coturn on loopback checks the credentials the server hands out. CI installs it
// like redis-server; without it (apt-get install -y coturn) this file is skipped, loudly.
const hasCoturn = ['turnserver', 'turnutils_uclient'].every(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0,
);
if (!hasCoturn) console.warn('turn-coturn.test.ts skipped: coturn is not installed');

const SECRET = 'coturn-integration-secret';
let turnPort = 0;
let coturn: ChildProcess | undefined;
let server: MeshcastServer | undefined;
let socket: ClientSocket | undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise((resolve) => s.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Allocates a relay with coturn's own client and sends 2 messages through it: true if it worked. */
function allocates(username: string, password: string): boolean {
  const run = spawnSync(
    'turnutils_uclient',
    [
      '-p',
      String(turnPort),
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
  return run.status === 0 && /tot_recv_msgs=2\b/.test(run.stdout + run.stderr);
}

describe.skipIf(!hasCoturn)('TURN credentials against a real coturn (use-auth-secret)', () => {
  beforeAll(async () => {
    turnPort = await freePort();
    const relay = 40_000 + (turnPort % 20_000);
    coturn = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1',
        `--listening-port=${turnPort}`,
        '--relay-ip=127.0.0.1',
        `--min-port=${relay}`,
        `--max-port=${relay + 50}`,
        '--use-auth-secret',
        `--static-auth-secret=${SECRET}`,
        '--realm=meshcast',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--allow-loopback-peers',
        '--fingerprint',
        '--log-file=stdout',
        `--pidfile=/tmp/meshcast-coturn-${turnPort}.pid`,
      ],
      { stdio: 'ignore' },
    );
    server = await startTestServer({
      turnUrls: [`turn:127.0.0.1:${turnPort}?transport=udp`],
      turnSecret: SECRET,
      turnTtlSeconds: 600,
    });
    socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket?.once('connect', resolve);
      socket?.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await server?.close();
    const child = coturn;
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(`/tmp/meshcast-coturn-${turnPort}.pid`, { force: true });
  });

  it('accepts the join ack credentials and refuses forged or expired ones', async () => {
    const ack: JoinAck = await socket!.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
    const turn: IceServer | undefined = ack.ice.iceServers.at(-1);
    const username = turn?.username ?? '';
    const credential = turn?.credential ?? '';
    expect(username).toMatch(new RegExp(`^\\d+:${ack.peerId}$`));

    // coturn may take a moment to open its listener.
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = allocates(username, credential);
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(ok).toBe(true);

    expect(allocates(username, turnPassword('not-the-shared-secret', username))).toBe(false);
    const expired = `${Math.floor(Date.now() / 1000) - 5}:${ack.peerId}`;
    expect(allocates(expired, turnPassword(SECRET, expired))).toBe(false);
  }, 60_000);
});
