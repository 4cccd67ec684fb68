import { z } from 'zod';
import { CHANNEL_ID_RE } from '../signaling/schemas.js';
import type { Channel } from './channel.js';

/** Most origins a channel may list. */
export const MAX_ALLOWED_ORIGINS = 64;
/** Most neighbours a channel may give; the server cap (SIGNALING_MAX_NEIGHBOURS) applies too. */
export const MAX_CHANNEL_NEIGHBOURS = 64;

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'at most 100 characters')
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

const sourceUrl = z
  .string()
  .max(2048, 'at most 2048 characters')
  .refine(
    (s) => (s.startsWith('/') && !s.startsWith('//')) || /^https?:\/\/[^/]/.test(s),
    'an http(s) URL or a path starting with /',
  )
  .refine((s) => URL.canParse(s, 'http://localhost'), 'not a URL');

/** `https://site.example` (scheme, host, port; no path). */
const origin = z.string().refine((s) => {
  if (!URL.canParse(s)) return false;
  const u = new URL(s);
  const hostname = /^[a-z0-9.-]+$/.test(u.hostname) || /^\[[0-9a-f:.]+\]$/.test(u.hostname);
  return (u.protocol === 'http:' || u.protocol === 'https:') && hostname && u.origin === s;
}, 'an origin like https://site.example (no path, no trailing slash)');

const fields = {
  name,
  sourceUrl,
  enabled: z.boolean(),
  p2pEnabled: z.boolean(),
  maxNeighbours: z.number().int().min(1).max(MAX_CHANNEL_NEIGHBOURS),
  allowedOrigins: z
    .array(origin)
    .max(MAX_ALLOWED_ORIGINS)
    .refine((list) => new Set(list).size === list.length, 'duplicate origins'),
};

/** A whole channel, as stores hold it. */
export const channelSchema = z.strictObject({
  id: z.string().regex(CHANNEL_ID_RE, 'a lowercase slug: a-z, 0-9 and -, 1-64 characters'),
  ...fields,
}) satisfies z.ZodType<Channel>;

/** `POST /api/channels`: id, name and sourceUrl are required; the rest has defaults. */
export const newChannelSchema = channelSchema.extend({
  enabled: fields.enabled.default(true),
  p2pEnabled: fields.p2pEnabled.default(true),
  maxNeighbours: fields.maxNeighbours.default(8),
  allowedOrigins: fields.allowedOrigins.default([]),
});

/** `PATCH /api/channels/:id`: any fields but the id. */
export const channelPatchSchema = z.strictObject(fields).partial();

/** Fields a channel update may change. */
export type ChannelPatch = z.infer<typeof channelPatchSchema>;

/** One line per problem, for a 400 answer (never echoes the values). */
export function describeChannelIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: i.path.length > 0 ? i.path.map(String).join('.') : '(body)',
    message: i.message,
  }));
}
