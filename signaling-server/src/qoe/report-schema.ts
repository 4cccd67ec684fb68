import type { QoeReport } from '@meshcast/client/signaling';
import { z } from 'zod';
import { CHANNEL_ID_RE, RENDITION_RE } from '../signaling/schemas.js';

/** Equals the client's SESSION_ID_PATTERN (a unit test checks). */
export const SESSION_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
/** Equals the client's MAX_QOE_REPORT_BYTES. */
export const MAX_REPORT_BYTES = 4096;

// Bounds keep one forged report from skewing a channel's figures beyond belief.
const DAY_MS = 86_400_000;
const count = z.number().int().min(0).max(1e9);
const bytes = z.number().int().min(0).max(1e13);
const durationMs = z
  .number()
  .min(0)
  .max(7 * DAY_MS);
const ratio = z.number().min(0).max(1);

/** A player's QoE report, strictly: unknown keys, NaN, negatives and absurd values fail. */
export const qoeReportSchema = z
  .strictObject({
    channel: z.string().regex(CHANNEL_ID_RE, 'not a channel id'),
    rendition: z.string().regex(RENDITION_RE, 'not a rendition name').optional(),
    sessionId: z.string().regex(SESSION_ID_RE, 'not a session id (8-64 of A-Z a-z 0-9 _ -)'),
    final: z.boolean().optional(),
    startupMs: z.number().min(0).max(600_000).optional(),
    stalls: count,
    stallMs: durationMs,
    playMs: durationMs,
    rebufferRatio: ratio,
    continuityIndex: ratio.optional(),
    segmentsPlayed: count,
    segmentsOnTime: count,
    latencySec: z.number().min(0).max(3600).optional(),
    switches: count,
    cdnBytes: bytes,
    p2pBytes: bytes,
    uploadBytes: bytes,
    peers: z.number().int().min(0).max(1000),
  })
  .refine((r) => r.segmentsOnTime <= r.segmentsPlayed, {
    message: 'segmentsOnTime exceeds segmentsPlayed',
    path: ['segmentsOnTime'],
  }) satisfies z.ZodType<QoeReport>;
