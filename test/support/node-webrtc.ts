/**
 * WebRTC in Node for tests, on loopback only: node-datachannel's W3C polyfill (libdatachannel),
 * adapted to what simple-peer expects.
 *
 * - simple-peer writes `offer.sdp = ...` on what createOffer/createAnswer return, and the
 *   polyfill returns read-only RTCSessionDescription objects: return plain `{ type, sdp }`.
 * - Every connection binds to 127.0.0.1, so host candidates are loopback ones and no packet
 *   leaves the machine; with `iceServers: []` no STUN/TURN server is contacted.
 */
import * as polyfill from 'node-datachannel/polyfill';
import type SimplePeer from 'simple-peer';

type PolyfillConfig = ConstructorParameters<typeof polyfill.RTCPeerConnection>[0];
interface SessionDescription {
  type: string;
  sdp: string;
}

class LoopbackRTCPeerConnection extends polyfill.RTCPeerConnection {
  constructor(config: PolyfillConfig = {}) {
    // libdatachannel reads bindAddress from the same configuration object.
    super({ iceServers: [], ...config, bindAddress: '127.0.0.1' } as PolyfillConfig);
  }

  override async createOffer(): Promise<SessionDescription> {
    const { type, sdp } = (await super.createOffer()) as SessionDescription;
    return { type, sdp };
  }

  override async createAnswer(): Promise<SessionDescription> {
    const { type, sdp } = (await super.createAnswer()) as SessionDescription;
    return { type, sdp };
  }
}

type Wrtc = NonNullable<SimplePeer.Options['wrtc']>;
const implementation: unknown = {
  RTCPeerConnection: LoopbackRTCPeerConnection,
  RTCSessionDescription: polyfill.RTCSessionDescription,
  RTCIceCandidate: polyfill.RTCIceCandidate,
};

/** The `wrtc` implementation object for simple-peer (and for `Peer`'s `wrtc` option). */
export const wrtc = implementation as Wrtc;

/** Options that every Node-side peer of a test takes: the Node WebRTC, no ICE servers, loopback. */
export const LOOPBACK_PEER_OPTIONS = {
  wrtc,
  iceServers: [],
  candidateFilter: 'loopback',
} as const;

/** Anything that emits and takes simple-peer signal data (a simple-peer instance or a Peer). */
export interface Signaller {
  on(event: 'signal', listener: (data: never) => void): unknown;
  signal(data: never): void;
}

/** Relays signals between two peers directly, in process (as the signaling server would). */
export function relaySignals(a: Signaller, b: Signaller): void {
  a.on('signal', (data) => {
    b.signal(data);
  });
  b.on('signal', (data) => {
    a.signal(data);
  });
}
