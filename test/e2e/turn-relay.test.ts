import type { Browser } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClientToServerEvents,
  IceServer,
  JoinAck,
  ServerToClientEvents,
} from '../../client/src/signaling/protocol.js';
import { launchChromium, newViewerContext } from '../support/chromium.js';
import { startTestServer } from '../support/server.js';
import type { MeshcastServer } from '../../signaling-server/src/server.js';
import {
  HAS_COTURN,
  startCoturn,
  type TestCoturn,
} from '../../signaling-server/test/integration/support/coturn.js';

// Two RTCPeerConnections in real Chromium, relay-only, with the ICE servers of a join ack:
// the data channel opens through coturn or not at all. Needs coturn (installed when root).

const SECRET = 'coturn-e2e-shared-secret';
let coturn: TestCoturn | undefined;
let server: MeshcastServer | undefined;
let browser: Browser | undefined;

interface RelayResult {
  message: string | undefined;
  candidateTypes: string[];
  error?: string;
}

async function joinIce(): Promise<IceServer[]> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(server!.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  try {
    const ack: JoinAck = await socket.emitWithAck('join', { channel: 'demo', rendition: '360p' });
    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
    return ack.ice.iceServers;
  } finally {
    socket.disconnect();
  }
}

/** Opens a relay-only data channel between two connections in one page; what came through. */
async function relay(iceServers: IceServer[]): Promise<RelayResult> {
  const context = await newViewerContext(browser!);
  try {
    const page = await context.newPage();
    await page.goto(`${server!.url}/api/health`);
    return await page.evaluate(async (servers: IceServer[]): Promise<RelayResult> => {
      const config: RTCConfiguration = { iceServers: servers, iceTransportPolicy: 'relay' };
      const a = new RTCPeerConnection(config);
      const b = new RTCPeerConnection(config);
      const types = new Set<string>();
      const forward = (to: RTCPeerConnection) => (e: RTCPeerConnectionIceEvent) => {
        if (!e.candidate) return;
        types.add(e.candidate.type ?? 'unknown');
        void to.addIceCandidate(e.candidate);
      };
      a.onicecandidate = forward(b);
      b.onicecandidate = forward(a);
      const received = new Promise<string>((resolve) => {
        b.ondatachannel = (e) => {
          e.channel.onmessage = (m) => resolve(String(m.data));
        };
      });
      const channel = a.createDataChannel('probe');
      channel.onopen = () => channel.send('through the relay');
      const offer = await a.createOffer();
      await a.setLocalDescription(offer);
      await b.setRemoteDescription(offer);
      const answer = await b.createAnswer();
      await b.setLocalDescription(answer);
      await a.setRemoteDescription(answer);
      const timeout = new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), 8000),
      );
      const message = await Promise.race([received, timeout]);
      a.close();
      b.close();
      return { message, candidateTypes: [...types] };
    }, iceServers);
  } finally {
    await context.close();
  }
}

describe.skipIf(!HAS_COTURN)('TURN relay in Chromium with join-ack credentials', () => {
  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
    server = await startTestServer({ turnUrls: [coturn.url], turnSecret: SECRET });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await coturn?.stop();
  });

  it('opens a data channel through coturn; forged credentials get no relay', async () => {
    const ice = await joinIce();
    const ok = await relay(ice);
    expect(ok.candidateTypes).toEqual(['relay']);
    expect(ok.message).toBe('through the relay');

    const forged = ice.map((s) =>
      s.credential ? { ...s, credential: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } : s,
    );
    const refused = await relay(forged);
    expect(refused.candidateTypes).toEqual([]);
    expect(refused.message).toBeUndefined();
  });
});
