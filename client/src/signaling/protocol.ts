/**
 * The signaling protocol between a viewer and the server: socket.io event maps and payloads.
 * This is the one file that both ends import (the server imports its types only).
 *
 * A swarm is the set of viewers of one channel and rendition. A viewer joins a swarm, gets a
 * bounded random sample of its members as neighbours, opens WebRTC connections to them (the
 * joiner initiates) and relays the opaque simple-peer signal data through the server.
 *
 * @example
 * const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url);
 * socket.emit('join', { channel: 'demo', rendition: '360p' }, (ack) => {
 *   if (ack.ok) connectTo(ack.neighbours);
 * });
 */

/** A channel id: a lowercase slug, 1–64 characters. */
export const CHANNEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A rendition name as the multivariant playlist names it (e.g. `360p`), 1–32 characters. */
export const RENDITION_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
/** The peer wire protocol version of this build: see `JoinRequest.wire`. */
export { PROTOCOL_VERSION as PEER_WIRE_VERSION } from '../core/wire.js';

/** Largest signal data (JSON) the server relays, in bytes. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** Most swarms one connection may be in at once. */
export const MAX_SWARMS_PER_SOCKET = 4;

/** `${channel}/${rendition}`, e.g. `demo/360p`. */
export type SwarmId = string;
/** A viewer's id in the signaling server: its socket id; changes on every reconnect. */
export type PeerId = string;

/** The swarm id of a channel and rendition. */
export function swarmId(channel: string, rendition: string): SwarmId {
  return `${channel}/${rendition}`;
}

/** One ICE server, as `RTCIceServer`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Which ICE candidates a viewer keeps: `none` keeps all; `loopback` keeps only candidates on
 * loopback addresses (tests and single-machine benchmarks).
 */
export type IceCandidateFilter = 'none' | 'loopback';

/** WebRTC settings that the server hands to each viewer on join. */
export interface IceConfig {
  /** STUN/TURN servers; empty on a LAN or loopback. */
  iceServers: IceServer[];
  candidateFilter: IceCandidateFilter;
}

/** Why the server refused a request. */
export type SignalingErrorCode =
  /** The payload did not validate, or an acknowledgement callback was missing. */
  | 'bad-request'
  /** An event name the server does not know. */
  | 'unknown-event'
  | 'unknown-channel'
  | 'channel-disabled'
  /** The channel plays from the CDN only. */
  | 'p2p-disabled'
  /** The channel's allowed embed origins do not include the page's origin. */
  | 'origin-not-allowed'
  /** The sender (or the target of a signal) is not a member of that swarm. */
  | 'not-in-swarm'
  /**
   * The viewer speaks another peer wire protocol version than the server pairs (an old or
   * newer player): it plays from the CDN; reloading the page loads the current player.
   */
  | 'unsupported-wire'
  /** The connection is already in {@link MAX_SWARMS_PER_SOCKET} swarms. */
  | 'too-many-swarms'
  /** Too many requests from this connection are waiting; slow down. */
  | 'rate-limited'
  /** The server failed; the request may be retried. */
  | 'internal';

/** An error as data, sent as the `error` event and inside failed acknowledgements. */
export interface SignalingErrorInfo {
  code: SignalingErrorCode;
  message: string;
  /** The client event that caused it, when there is one. */
  event?: string;
}

/** A failed acknowledgement. */
export interface FailedAck {
  ok: false;
  error: SignalingErrorInfo;
}

/** Opaque simple-peer signal data: a JSON object of at most {@link MAX_SIGNAL_BYTES}. */
export type SignalData = Record<string, unknown>;

export interface JoinRequest {
  channel: string;
  rendition: string;
  /**
   * The peer wire protocol version the viewer speaks ({@link PEER_WIRE_VERSION}). The server
   * refuses a version it does not pair (`unsupported-wire`), so that viewers whose data
   * channels cannot understand each other never meet. Absent: a connection that opens no data
   * channels (monitors, benchmarks); it is not told apart.
   */
  wire?: number;
}

export type JoinAck =
  | {
      ok: true;
      /** This connection's id in the swarm (its socket id). */
      peerId: PeerId;
      swarm: SwarmId;
      /** A random sample of other members, at most the channel's `maxNeighbours`. */
      neighbours: PeerId[];
      ice: IceConfig;
    }
  | FailedAck;

export interface MoreRequest {
  swarm: SwarmId;
  /** Peers not to be given (the viewer's current neighbours and ones that failed). */
  exclude: PeerId[];
}

export type MoreAck = { ok: true; neighbours: PeerId[] } | FailedAck;

export interface SignalRequest {
  swarm: SwarmId;
  to: PeerId;
  data: SignalData;
}

export interface RelayedSignal {
  swarm: SwarmId;
  from: PeerId;
  data: SignalData;
}

export interface LeaveRequest {
  swarm: SwarmId;
}

export type LeaveAck = { ok: true } | FailedAck;

/** Events a viewer sends. Requests with an acknowledgement callback always get an answer. */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (result: JoinAck) => void) => void;
  more: (request: MoreRequest, ack: (result: MoreAck) => void) => void;
  signal: (request: SignalRequest) => void;
  /** The server also accepts `leave` without a callback (then it does not answer). */
  leave: (request: LeaveRequest, ack: (result: LeaveAck) => void) => void;
  /**
   * Playback quality, every {@link QOE_REPORT_INTERVAL_MS} or so. Refused when it does not
   * validate or names an unknown or disabled channel: in the callback when one is given,
   * else as an `error` event.
   */
  report: (report: QoeReport, ack?: (result: ReportAck) => void) => void;
  /**
   * A neighbour sent segment bytes that did not match the published hash (see
   * {@link SegmentHashesMessage}). The server stops offering a peer as a neighbour once
   * {@link PEER_REPORTS_TO_EXCLUDE} distinct members of the swarm reported it.
   */
  'report-peer': (report: PeerReport, ack?: (result: PeerReportAck) => void) => void;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  /** Signal data from another member of a swarm this viewer is in. */
  signal: (message: RelayedSignal) => void;
  /** A request failed (bad payload, refused relay); the connection stays open. */
  error: (error: SignalingErrorInfo) => void;
  /**
   * The channel was disabled or deleted (or its P2P was switched off): the server has removed
   * this connection from the channel's swarms. The player stops (or, for `p2p-disabled`,
   * goes on from the CDN only).
   */
  'channel-disabled': (message: ChannelDisabledMessage) => void;
  /**
   * Hashes of a swarm's segments: on every join the live window (possibly empty: it also says
   * that this server publishes hashes), then each new segment once the server hashed it.
   */
  'segment-hashes': (message: SegmentHashesMessage) => void;
}

/** Between server instances on one Redis (`io.serverSideEmit`). */
export interface InterServerEvents {
  /** A member of `swarm` reported `peer` for a corrupt segment (applied by every server). */
  'peer-report': (swarm: string, reporter: string, peer: string) => void;
  /** `peer` disconnected: its reports and the reports about it are dropped everywhere. */
  'peer-forget': (peer: string) => void;
}

/** What the server keeps on each socket. */
export interface SocketData {
  /** Swarms this connection is in. */
  swarms: SwarmId[];
}

/** Why a viewer is told to leave a channel. */
export type ChannelDisabledReason = 'disabled' | 'deleted' | 'p2p-disabled';

export interface ChannelDisabledMessage {
  channel: string;
  reason: ChannelDisabledReason;
}

/** Where a player sends its final report with `navigator.sendBeacon` (body: `text/plain` JSON). */
export const QOE_REPORT_PATH = '/api/qoe';
/** Largest report body the server reads, in bytes (JSON). */
export const MAX_QOE_REPORT_BYTES = 4096;
/** How often a player reports; the server forgets a viewer after three intervals of silence. */
export const QOE_REPORT_INTERVAL_MS = 5000;
/** A player session id: random per player, 8–64 URL-safe characters. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * A player's quality of experience since it started (one session). Every counter is
 * cumulative for the session; the server computes rates from successive reports. Sent as the
 * `report` socket event every {@link QOE_REPORT_INTERVAL_MS} and once more with `final: true`
 * on page hide (`navigator.sendBeacon(QOE_REPORT_PATH, JSON.stringify(report))`). Unknown
 * keys are refused.
 */
export interface QoeReport {
  channel: string;
  /** The rendition playing now, as in {@link RENDITION_PATTERN}. */
  rendition?: string;
  /** Random per player (see {@link SESSION_ID_PATTERN}); the same in every report of a session. */
  sessionId: string;
  /** The last report of the session (page hide): the server drops the viewer at once. */
  final?: boolean;
  /** Player created -> first frame, ms; absent until the first frame. */
  startupMs?: number;
  /** Stalls after the first frame. */
  stalls: number;
  /** Time spent stalled, ms. */
  stallMs: number;
  /** Time spent playing, ms. */
  playMs: number;
  /** stallMs / (playMs + stallMs), in [0, 1]. */
  rebufferRatio: number;
  /** segmentsOnTime / segmentsPlayed in [0, 1]; absent before the first segment plays. */
  continuityIndex?: number;
  /** Media segments played. */
  segmentsPlayed: number;
  /** Of those, segments that were in the buffer before their playback deadline (≤ played). */
  segmentsOnTime: number;
  /** Live edge − currentTime, seconds. */
  latencySec?: number;
  /** Rendition switches. */
  switches: number;
  /** Media segment bytes taken from the CDN. */
  cdnBytes: number;
  /** Media segment bytes taken from peers. */
  p2pBytes: number;
  /** Media segment bytes sent to peers. */
  uploadBytes: number;
  /** Peers connected now. */
  peers: number;
}

export type ReportAck = { ok: true } | FailedAck;

/**
 * A channel's figures over its live viewers (those that reported in the last 15 s), as
 * `GET /api/channels/:id/stats` returns them. A figure without data (no viewer reported it)
 * is null.
 */
export interface ChannelQoe {
  viewers: number;
  /** Viewers per rendition. */
  renditions: Record<string, number>;
  /** p2pBytes / (p2pBytes + cdnBytes) summed over the live viewers' sessions. */
  offload: number | null;
  /** Σ segmentsOnTime / Σ segmentsPlayed over the live viewers. */
  continuityIndex: number | null;
  /** Σ stallMs / (Σ playMs + Σ stallMs) over the live viewers. */
  rebufferRatio: number | null;
  startupMsP50: number | null;
  startupMsP95: number | null;
  latencySecP50: number | null;
  /** Mean of the viewers' connected peers. */
  peersPerViewer: number | null;
  /** Media bytes per second from the CDN, over the last sample interval. */
  cdnBytesPerSec: number;
  /** Media bytes per second from peers, over the last sample interval. */
  p2pBytesPerSec: number;
}

/** One point of a channel's history: its figures at time `t` (ms since the epoch). */
export interface ChannelQoePoint extends ChannelQoe {
  t: number;
}

/**
 * A live channel that viewers watch and the admin manages, as the server stores it and
 * `GET /api/channels/:id` returns it.
 */
export interface Channel {
  /** URL slug, e.g. `demo`. */
  id: string;
  /** Display name. */
  name: string;
  /** HLS multivariant playlist URL; a path (`/live/...`) is relative to the server. */
  sourceUrl: string;
  /** Disabled channels refuse new viewers. */
  enabled: boolean;
  /** When false, viewers play from the CDN only. */
  p2pEnabled: boolean;
  /** Most neighbours a viewer is given in this channel's swarms. */
  maxNeighbours: number;
  /** Origins allowed to embed the channel; empty means any. */
  allowedOrigins: string[];
}

/** `GET /api/channels/:id/stats`. */
export interface ChannelStats {
  channel: string;
  /** Figures now (throughput: the last complete interval). */
  current: ChannelQoe;
  history: {
    /** Time between points, ms. */
    intervalMs: number;
    /** Oldest first; at most an hour. */
    points: ChannelQoePoint[];
  };
}

/** A SHA-256 digest as 64 lowercase hex characters. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
/** Most hashes in one `segment-hashes` message. */
export const MAX_SEGMENT_HASHES = 64;
/** Distinct reporters after which the server stops offering a peer (the server's default). */
export const PEER_REPORTS_TO_EXCLUDE = 2;

/** What the server computed over one media segment it fetched from the channel's source. */
export interface SegmentHash {
  /** Media sequence number. */
  seq: number;
  /** Segment length in bytes. */
  size: number;
  /** SHA-256 of the segment bytes, lowercase hex ({@link SHA256_HEX_PATTERN}). */
  sha256: string;
}

export interface SegmentHashesMessage {
  swarm: SwarmId;
  /** Ascending by seq, at most {@link MAX_SEGMENT_HASHES}. */
  hashes: SegmentHash[];
}

/** A neighbour (`peer`) sent bytes of segment `seq` of `swarm` that failed verification. */
export interface PeerReport {
  swarm: SwarmId;
  peer: PeerId;
  seq: number;
}

export type PeerReportAck = { ok: true } | FailedAck;
