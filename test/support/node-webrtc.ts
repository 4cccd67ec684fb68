/**
 * WebRTC in Node for tests, on loopback only: node-datachannel's W3C polyfill (libdatachannel),
 * adapted to what simple-peer expects.
 *
 * - simple-peer writes `offer.sdp = ...` on what createOffer/createAnswer return, and the
 *   polyfill returns read-only RTCSessionDescription objects: return plain `{ type, sdp }`.
 * - libdatachannel fails a few percent of in-process handshakes ("Got a remote candidate without
 *   ICE transport", or a 1-7 s DTLS retransmission stall) when the answerer's ICE checks and DTLS
 *   hello reach the offerer before the offerer has the answer. So a connection announces no
 *   candidate (neither trickled nor inside its SDP) until it has the remote description: the
 *   answerer cannot reach the offerer before the offerer is ready. With that, 0 failures in
 *   hundreds of connections, each in ~10 ms.
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

type RemoteDescription = Parameters<polyfill.RTCPeerConnection['setRemoteDescription']>[0];

const withoutCandidates = (sdp: string): string =>
  sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');

class LoopbackRTCPeerConnection extends polyfill.RTCPeerConnection {
  /** Candidate events held until the remote description is set; undefined once released. */
  private held: Event[] | undefined = [];

  constructor(config: PolyfillConfig = {}) {
    // libdatachannel reads bindAddress from the same configuration object.
    super({ iceServers: [], ...config, bindAddress: '127.0.0.1' } as PolyfillConfig);
  }

  override dispatchEvent(event: Event): boolean {
    if (event.type === 'icecandidate' && this.held) {
      this.held.push(event);
      return true;
    }
    return super.dispatchEvent(event);
  }

  override get localDescription(): polyfill.RTCPeerConnection['localDescription'] {
    const description = super.localDescription as SessionDescription | null;
    if (!this.held || !description) return description as never;
    return { type: description.type, sdp: withoutCandidates(description.sdp) } as never;
  }

  override async setRemoteDescription(description: RemoteDescription): Promise<void> {
    await super.setRemoteDescription(description);
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of held) super.dispatchEvent(event);
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
  on(event: 'signal', listener: (data: SimplePeer.SignalData) => void): unknown;
  signal(data: SimplePeer.SignalData): void;
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
