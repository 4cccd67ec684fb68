import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '@meshcast/client/signaling';
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import type { ChannelRegistry } from '../../channels/channel-registry.js';
import type { ServerConfig } from '../../config.js';
import type { SignalingIntegrity } from '../../integrity/integrity-service.js';
import type { Logger } from '../../logger.js';
import type { QoeIntake } from '../../qoe/qoe-intake.js';
import type { SwarmDirectory } from '../swarm-directory.js';

export type SignalingServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type SignalingSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/** The part of the server configuration that signaling reads. */
export type SignalingConfig = Pick<
  ServerConfig,
  | 'iceServers'
  | 'iceCandidateFilter'
  | 'signalingMaxNeighbours'
  | 'signalingPath'
  | 'signalingMaxMessageBytes'
  | 'turnUrls'
  | 'turnSecret'
  | 'turnTtlSeconds'
  | 'trustProxy'
  | 'localityHeader'
  | 'localityRandomShare'
>;

/** What every handler may use; one per attached server. */
export interface SignalingContext {
  readonly io: SignalingServer;
  readonly swarms: SwarmDirectory;
  readonly channels: Pick<ChannelRegistry, 'get'>;
  readonly config: SignalingConfig;
  readonly logger: Logger;
  /** Most swarms per socket. */
  readonly maxSwarmsPerSocket: number;
  /** Where `report` events go; without it the server refuses them. */
  readonly reports?: Pick<QoeIntake, 'accept'>;
  /** Segment hashes and peer reports; without it `report-peer` is refused. */
  readonly integrity?: SignalingIntegrity;
}

/**
 * One client event: its payload schema, whether it takes an acknowledgement, and what it
 * does with a validated payload. `handle` returns the fields of a successful acknowledgement
 * (merged into `{ ok: true }`) or throws a SignalingRequestError.
 */
export interface EventHandler<
  S extends z.ZodType = z.ZodType,
  R extends object | undefined = object | undefined,
> {
  readonly schema: S;
  /** 'required': refused without a callback; 'optional': answered when one is given; 'none'. */
  readonly ack: 'required' | 'optional' | 'none';
  handle(ctx: SignalingContext, socket: SignalingSocket, payload: z.infer<S>): R | Promise<R>;
}
