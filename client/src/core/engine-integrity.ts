import createDebug from 'debug';
import type { SegmentHashesMessage } from '../signaling/protocol.js';
import {
  SegmentVerifier,
  emptyIntegrityCounters,
  resolveSegmentVerifierConfig,
  type IntegrityCounters,
  type SegmentVerifierConfig,
  type SegmentVerifierPlatform,
} from './segment-verifier.js';

const debug = createDebug('meshcast:integrity');

/** Integrity settings of an engine. */
export interface IntegrityConfig extends SegmentVerifierConfig {
  /**
   * Verify peer segments whenever the server publishes hashes. When false, peer bytes are
   * trusted as they come (not recommended). @default true
   */
  enabled: boolean;
}

export const DEFAULT_INTEGRITY_CONFIG: IntegrityConfig = {
  enabled: true,
  hashWaitMs: 1000,
  hashWaitMaxMs: 5000,
  maxHashes: 128,
};

/** What integrity needs of signaling ({@link SignalingClient} provides it). */
export interface IntegritySignaling {
  on(event: 'segmentHashes', listener: (message: SegmentHashesMessage) => void): unknown;
  off(event: 'segmentHashes', listener: (message: SegmentHashesMessage) => void): unknown;
  /** Tells the server a neighbour sent a corrupt segment. */
  reportPeer(swarm: string, peer: string, seq: number): unknown;
}

/** Whether a signaling connection also carries segment hashes and peer reports. */
export function isIntegritySignaling(s: unknown): s is IntegritySignaling {
  const o = s as Partial<IntegritySignaling> | undefined;
  return typeof o?.reportPeer === 'function' && typeof o.on === 'function';
}

/**
 * An engine's integrity: one {@link SegmentVerifier} per rendition fed by the server's
 * `segment-hashes`, the counters, and what happens to a liar (banned by the caller, reported
 * here to the server).
 */
export class EngineIntegrity {
  readonly config: IntegrityConfig;
  readonly counters: IntegrityCounters = emptyIntegrityCounters();
  private readonly verifiers = new Map<string, SegmentVerifier>();
  /** `rendition/peerId` of every peer banned. */
  private readonly banned = new Set<string>();
  private readonly onHashes = (m: SegmentHashesMessage): void => {
    const slash = m.swarm.indexOf('/');
    if (m.swarm.slice(0, slash) !== this.channel) return;
    this.verifier(m.swarm.slice(slash + 1))?.addHashes(m.hashes);
  };
  private destroyed = false;

  constructor(
    private readonly channel: string,
    private readonly signaling: IntegritySignaling | undefined,
    config: Partial<IntegrityConfig> = {},
    private readonly platform: Partial<SegmentVerifierPlatform> = {},
  ) {
    const merged = { ...DEFAULT_INTEGRITY_CONFIG, ...config };
    if (typeof merged.enabled !== 'boolean')
      throw new RangeError('integrity: enabled must be a boolean');
    this.config = { ...merged, ...resolveSegmentVerifierConfig(merged) };
    if (this.config.enabled) signaling?.on('segmentHashes', this.onHashes);
  }

  /** The verifier of a rendition; undefined when integrity is off. */
  verifier(rendition: string): SegmentVerifier | undefined {
    if (!this.config.enabled || !this.signaling || this.destroyed) return undefined;
    let v = this.verifiers.get(rendition);
    if (!v) {
      const { hashWaitMs, hashWaitMaxMs, maxHashes } = this.config;
      v = new SegmentVerifier(
        { hashWaitMs, hashWaitMaxMs, maxHashes },
        this.platform,
        this.counters,
      );
      this.verifiers.set(rendition, v);
    }
    return v;
  }

  /**
   * A peer of `rendition`'s swarm sent a corrupt segment: counts the ban and reports it to
   * the server, once per peer.
   */
  liar(rendition: string, peerId: string, seq: number): void {
    const key = `${rendition}/${peerId}`;
    if (this.banned.has(key)) return;
    this.banned.add(key);
    debug('%s/%s: peer %s sent a corrupt segment %d; banned', this.channel, rendition, peerId, seq);
    this.counters.bannedPeers++;
    this.signaling?.reportPeer(`${this.channel}/${rendition}`, peerId, seq);
  }

  /** Stops listening and drops every verifier; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.signaling?.off('segmentHashes', this.onHashes);
    for (const v of this.verifiers.values()) v.destroy();
    this.verifiers.clear();
  }
}
