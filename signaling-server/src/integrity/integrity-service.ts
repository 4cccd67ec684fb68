import type { SegmentHash } from '@meshcast/client/signaling';
import type { Channel } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import type { Logger } from '../logger.js';
import type { SignalingServer, SignalingSocket } from '../signaling/handlers/handler.js';
import type { HashStore } from './hash-store.js';
import { resolveIntegrityConfig, type IntegrityConfig } from './integrity-config.js';
import { MemoryHashStore } from './memory-hash-store.js';
import { PeerReports } from './peer-reports.js';
import { parseVariants, type Variant } from './playlist-parse.js';
import { RenditionWatcher, type WatcherCounters } from './rendition-watcher.js';

/** The socket.io room of a swarm's members on this server: where its hashes go. */
export function swarmRoom(swarm: string): string {
  return `swarm:${swarm}`;
}

/** What the signaling handlers call (`SignalingContext.integrity`). */
export interface SignalingIntegrity {
  /** A socket joined `swarm`: it enters the swarm's room and gets the window's hashes. */
  joined(socket: SignalingSocket, swarm: string): Promise<void>;
  /** A socket left `swarm`. */
  left(socket: SignalingSocket, swarm: string): void;
  readonly reports: PeerReports;
  /** `reporter` reported `peer` in `swarm` (shared with the other servers when clustered). */
  report(swarm: string, reporter: string, peer: string): { reporters: number; excluded: boolean };
  /** A socket disconnected: its reports and the reports about it are dropped. */
  forget(peerId: string): void;
}

export interface IntegrityServiceOptions {
  registry: Pick<ChannelRegistry, 'list' | 'watch'>;
  logger: Logger;
  config?: Partial<IntegrityConfig>;
  /** @default a MemoryHashStore */
  store?: HashStore;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Monotonic clock, ms. @default performance.now */
  now?: () => number;
  /**
   * Share peer reports with the other servers on the same Redis (socket.io's
   * `serverSideEmit` over the Redis adapter): every server applies every report, so a peer
   * reported by members on one server is excluded on all. A server that starts later knows
   * only the reports made after it joined. @default false (one server)
   */
  shareReports?: boolean;
}

interface ChannelState {
  channel: Channel;
  variants?: Variant[];
  variantsAt?: number;
  watchers: Map<string, { watcher: RenditionWatcher; demandAt: number }>;
}

/**
 * Segment integrity, server side. For every enabled P2P channel it watches the media
 * playlist of each rendition whose swarm has members on this server (and `lingerMs` after
 * the last left), fetches each new segment once, hashes it and publishes
 * `{ seq, size, sha256 }` to the swarm's room (`segment-hashes`); a joiner gets the newest
 * hashes at once. Cost: one copy of every segment of every watched rendition, per server.
 * It also keeps the peer reports (see {@link PeerReports}).
 */
export class IntegrityService implements SignalingIntegrity {
  readonly config: IntegrityConfig;
  readonly store: HashStore;
  readonly reports: PeerReports;
  private readonly channels = new Map<string, ChannelState>();
  private readonly listeners = new Set<(swarm: string, hash: SegmentHash) => void>();
  private readonly retired: WatcherCounters = emptyCounters();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private io: SignalingServer | undefined;
  private baseUrl = 'http://127.0.0.1/';
  private timer: ReturnType<typeof setInterval> | undefined;
  private unwatch: (() => void) | undefined;
  private ticking: Promise<void> | undefined;
  private destroyed = false;

  constructor(private readonly o: IntegrityServiceOptions) {
    this.config = resolveIntegrityConfig(o.config);
    this.store = o.store ?? new MemoryHashStore();
    this.reports = new PeerReports(this.config.excludeAfterReports);
    this.fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = o.now ?? (() => performance.now());
  }

  /**
   * Starts watching: `io` is where hashes go, `baseUrl` resolves channel sources that are
   * paths (the built-in demo channel's `/live/demo/...`).
   */
  async start(io: SignalingServer, baseUrl: string): Promise<void> {
    if (this.destroyed || this.io) return;
    this.io = io;
    this.baseUrl = baseUrl;
    if (this.o.shareReports) {
      io.on('peer-report', (swarm: unknown, reporter: unknown, peer: unknown) => {
        if (![swarm, reporter, peer].every(isId)) {
          this.o.logger.warn({ swarm, reporter, peer }, 'malformed peer-report from a server');
          return;
        }
        this.reports.report(swarm as string, reporter as string, peer as string);
      });
      io.on('peer-forget', (peer: unknown) => {
        if (isId(peer)) this.reports.forget(peer);
      });
    }
    this.unwatch = this.o.registry.watch((change) => {
      if (change.kind === 'deleted') this.dropChannel(change.id, true);
      else this.setChannel(change.after);
    });
    for (const c of await this.o.registry.list()) this.setChannel(c);
    this.timer = setInterval(() => void this.tick(), this.config.pollMs);
  }

  async joined(socket: SignalingSocket, swarm: string): Promise<void> {
    await socket.join(swarmRoom(swarm));
    const hashes = await this.store.list(swarm, this.config.joinHashes);
    if (socket.connected) socket.emit('segment-hashes', { swarm, hashes });
    // The first member of a swarm need not wait a whole poll period for its watcher.
    const state = this.channels.get(swarm.slice(0, swarm.indexOf('/')));
    if (state && !state.watchers.has(swarm)) void this.tick();
  }

  left(socket: SignalingSocket, swarm: string): void {
    void socket.leave(swarmRoom(swarm));
  }

  report(swarm: string, reporter: string, peer: string): { reporters: number; excluded: boolean } {
    if (this.o.shareReports) this.io?.serverSideEmit('peer-report', swarm, reporter, peer);
    return this.reports.report(swarm, reporter, peer);
  }

  forget(peerId: string): void {
    // Every server holds the same reports: if none names the peer here, none does elsewhere.
    if (this.o.shareReports && this.reports.knows(peerId)) {
      this.io?.serverSideEmit('peer-forget', peerId);
    }
    this.reports.forget(peerId);
  }

  /** Calls `listener` for every hash published (tests, metrics). Returns unsubscribe. */
  onPublish(listener: (swarm: string, hash: SegmentHash) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Swarms watched now. */
  watchedSwarms(): string[] {
    return [...this.channels.values()].flatMap((s) => [...s.watchers.keys()]);
  }

  /** Fetch and hash work so far, over every watcher (live and stopped). */
  counters(): WatcherCounters {
    const sum = { ...this.retired };
    for (const s of this.channels.values()) {
      for (const { watcher } of s.watchers.values()) addCounters(sum, watcher.counters);
    }
    return sum;
  }

  /** One pass over every channel: watchers follow demand, each watcher polls once. */
  tick(): Promise<void> {
    this.ticking ??= this.pass().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    const polls: Promise<void>[] = [];
    for (const state of [...this.channels.values()]) {
      const variants = await this.variantsOf(state);
      if (this.destroyed) return;
      const now = this.now();
      for (const v of variants) {
        const swarm = `${state.channel.id}/${v.rendition}`;
        const members = this.io?.of('/').adapter.rooms.get(swarmRoom(swarm))?.size ?? 0;
        let entry = state.watchers.get(swarm);
        if (members > 0) {
          if (!entry)
            state.watchers.set(
              swarm,
              (entry = { watcher: this.watcher(swarm, v.url), demandAt: now }),
            );
          entry.demandAt = now;
        }
        if (entry && now - entry.demandAt > this.config.lingerMs) {
          this.stopWatcher(state, swarm);
          continue;
        }
        if (entry) polls.push(entry.watcher.poll());
      }
    }
    await Promise.all(polls);
  }

  private async variantsOf(state: ChannelState): Promise<Variant[]> {
    const now = this.now();
    if (state.variants && now - (state.variantsAt ?? 0) < this.config.variantRefreshMs) {
      return state.variants;
    }
    const url = new URL(state.channel.sourceUrl, this.baseUrl).href;
    try {
      const res = await this.fetch(url, {
        signal: AbortSignal.timeout(this.config.fetchTimeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      state.variants = parseVariants(await res.text(), url);
    } catch (err) {
      this.o.logger.warn({ err, channel: state.channel.id, url }, 'integrity: playlist failed');
      state.variants ??= [];
      // Try again in a few seconds, not a whole refresh period.
      state.variantsAt = now - this.config.variantRefreshMs + 5000;
      return state.variants;
    }
    state.variantsAt = now;
    return state.variants;
  }

  private watcher(swarm: string, playlistUrl: string): RenditionWatcher {
    this.o.logger.debug({ swarm }, 'integrity: watching');
    return new RenditionWatcher({
      swarm,
      playlistUrl,
      fetch: this.fetch,
      timeoutMs: this.config.fetchTimeoutMs,
      now: this.now,
      onHash: async (hash) => {
        await this.store.put(swarm, hash);
        if (this.destroyed) return;
        this.io?.local.to(swarmRoom(swarm)).emit('segment-hashes', { swarm, hashes: [hash] });
        for (const l of this.listeners) l(swarm, hash);
      },
    });
  }

  private setChannel(channel: Channel): void {
    if (!channel.enabled || !channel.p2pEnabled) {
      this.dropChannel(channel.id, false);
      return;
    }
    const state = this.channels.get(channel.id);
    if (!state) this.channels.set(channel.id, { channel, watchers: new Map() });
    else if (state.channel.sourceUrl !== channel.sourceUrl) {
      this.dropChannel(channel.id, true);
      this.channels.set(channel.id, { channel, watchers: new Map() });
    } else state.channel = channel;
  }

  private dropChannel(id: string, forgetHashes: boolean): void {
    const state = this.channels.get(id);
    if (state) for (const swarm of [...state.watchers.keys()]) this.stopWatcher(state, swarm);
    this.channels.delete(id);
    if (forgetHashes) void this.store.deleteChannel(id);
  }

  private stopWatcher(state: ChannelState, swarm: string): void {
    const entry = state.watchers.get(swarm);
    if (!entry) return;
    entry.watcher.destroy();
    addCounters(this.retired, entry.watcher.counters);
    state.watchers.delete(swarm);
    this.o.logger.debug({ swarm }, 'integrity: stopped watching');
  }

  /** Stops every watcher and timer; the store is destroyed too. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.timer);
    this.unwatch?.();
    for (const id of [...this.channels.keys()]) this.dropChannel(id, false);
    this.listeners.clear();
    this.reports.clear();
    await this.ticking?.catch(() => undefined);
    await this.store.destroy();
  }
}

function emptyCounters(): WatcherCounters {
  return { playlistFetches: 0, segmentFetches: 0, segmentBytes: 0, hashMs: 0, failures: 0 };
}

function addCounters(into: WatcherCounters, c: WatcherCounters): void {
  into.playlistFetches += c.playlistFetches;
  into.segmentFetches += c.segmentFetches;
  into.segmentBytes += c.segmentBytes;
  into.hashMs += c.hashMs;
  into.failures += c.failures;
}

/** A swarm or peer id as servers send them (strings of bounded length). */
function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 128;
}
