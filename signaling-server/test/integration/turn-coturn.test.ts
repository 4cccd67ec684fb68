import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IceServer, JoinAck } from '../../../client/src/signaling/protocol.js';
import { startTestServer } from '../../../test/support/server.js';
import type { MeshcastServer } from '../../src/server.js';
import { turnPassword } from '../../src/signaling/turn-credentials.js';
import { allocates, HAS_COTURN, startCoturn, type TestCoturn } from './support/coturn.js';
import type { ClientSocket } from './signaling-helpers.js';

// A real coturn on loopback checks the credentials the server hands out. Without coturn
// (apt-get install -y coturn) the support installs it as root, or the file fails naming it.

const SECRET = 'coturn-integration-secret';
let coturn: TestCoturn | undefined;
let server: MeshcastServer | undefined;
let socket: ClientSocket | undefined;

describe.skipIf(!HAS_COTURN)('TURN credentials against a real coturn (use-auth-secret)', () => {
  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
    server = await startTestServer({
      turnUrls: [coturn.url],
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
    await coturn?.stop();
  });

  it('accepts the join ack credentials and refuses forged or expired ones', async () => {
    const port = coturn?.port ?? 0;
    const ack: JoinAck = await socket!.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
    const turn: IceServer | undefined = ack.ice.iceServers.at(-1);
    const username = turn?.username ?? '';
    expect(username).toMatch(new RegExp(`^\\d+:${ack.peerId}$`));
    expect(allocates(port, username, turn?.credential ?? '')).toBe(true);

    expect(allocates(port, username, turnPassword('not-the-shared-secret', username))).toBe(false);
    const expired = `${Math.floor(Date.now() / 1000) - 5}:${ack.peerId}`;
    expect(allocates(port, expired, turnPassword(SECRET, expired))).toBe(false);
  });
});
