import { afterAll, beforeAll } from 'vitest';
import type { ServerConfig } from '../../../signaling-server/src/config.js';
import type { MeshcastServer } from '../../../signaling-server/src/server.js';
import { wrtc } from '../../../test/support/node-webrtc.js';
import { startTestServer } from '../../../test/support/server.js';
import { Engine, type EngineConfig, type SegmentInfo } from '../../src/core/engine.js';
import type { PlaybackState } from '../../src/core/scheduler.js';
import { SignalingClient } from '../../src/signaling/signaling-client.js';
import { waitFor } from './live-demo.js';

/** A playhead a minute behind the window: every deadline is far, the scheduler may wait for peers. */
export const FAR_AHEAD: PlaybackState = { position: -60, rate: 1 };

/** A real server and the engines and signaling clients a test file made on it. */
export interface EngineMesh {
  readonly server: MeshcastServer;
  /** A signaling client of the server (not connected yet). */
  signalingClient(): SignalingClient;
  /** An engine on the demo channel over WebRTC in Node, with its own signaling client. */
  newEngine(config?: Partial<EngineConfig>): Engine;
}

/**
 * Registers the `beforeAll` that starts a server (loopback-only ICE unless `overrides` say
 * otherwise) and the `afterAll` that destroys every engine and client made through the mesh,
 * then closes the server. Call it at the top of a file or `describe`: `afterAll` hooks
 * registered after it run before its own.
 */
export function useEngineMesh(overrides: Partial<ServerConfig> = {}): EngineMesh {
  let server: MeshcastServer | undefined;
  const engines: Engine[] = [];
  const clients: SignalingClient[] = [];
  beforeAll(async () => {
    server = await startTestServer({ iceCandidateFilter: 'loopback', ...overrides });
  });
  afterAll(async () => {
    for (const e of engines) e.destroy();
    for (const c of clients) c.destroy();
    await server?.close();
  });
  const mesh: EngineMesh = {
    get server() {
      if (!server) throw new Error('the server is not started (use it in a test)');
      return server;
    },
    signalingClient() {
      const client = new SignalingClient({ url: mesh.server.url });
      clients.push(client);
      return client;
    },
    newEngine(config = {}) {
      const engine = new Engine({
        channel: 'demo',
        signaling: mesh.signalingClient(),
        wrtc,
        config,
      });
      engines.push(engine);
      return engine;
    },
  };
  return mesh;
}

/** Gives the engine the 360p window and a playhead, and makes 360p its active rendition. */
export function play360p(
  engine: Engine,
  segments: readonly SegmentInfo[],
  playback: PlaybackState = FAR_AHEAD,
): void {
  engine.updatePlaylist('360p', segments);
  engine.setPlayback(playback, true);
  engine.setActiveRendition('360p');
}

/** Resolves once the engine joined its swarm (it has a peer id). */
export function joined(engine: Engine, what = 'joined'): Promise<void> {
  return waitFor(what, () => engine.stats().peerId !== undefined);
}
