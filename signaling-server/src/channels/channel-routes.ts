import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { apiErrorHandler, jsonBody } from '../http/api-errors.js';
import { requireAdmin } from '../http/admin-auth.js';
import { ChannelRegistryError, type ChannelRegistry } from './channel-registry.js';
import { channelPatchSchema, describeChannelIssues, newChannelSchema } from './channel-schema.js';

/** Largest channel body accepted, in bytes. */
const MAX_BODY_BYTES = 16 * 1024;

export interface ChannelRoutesOptions {
  /** The bearer token that create, update and delete require. */
  adminToken: string;
}

/**
 * The channel REST API, mounted at `/api/channels`:
 * - `GET /` → `{ channels }`, `GET /:id` → the channel (404 JSON when unknown); public.
 * - `POST /` (201), `PATCH /:id` (200), `DELETE /:id` (204): `Authorization: Bearer <token>`
 *   (401 without it or with a wrong one), `application/json` bodies (415 otherwise), 400 with
 *   `{ error, issues: [{ path, message }] }` for invalid fields, 409 for a taken id.
 */
export function channelRoutes(
  registry: ChannelRegistry,
  { adminToken }: ChannelRoutesOptions,
): Router {
  const router = Router();
  const admin = requireAdmin(adminToken);
  const json = jsonBody(MAX_BODY_BYTES);

  router.get('/', async (_req, res) => {
    res.json({ channels: await registry.list() });
  });
  router.get('/:id', async (req, res) => {
    const channel = await registry.get(req.params.id);
    if (!channel) {
      notFound(res, req.params.id);
      return;
    }
    res.json(channel);
  });
  router.post('/', admin, json, async (req, res) => {
    const input = validate(newChannelSchema, req, res);
    if (!input) return;
    try {
      const channel = await registry.create(input);
      res.status(201).location(`${req.baseUrl}/${channel.id}`).json(channel);
    } catch (err) {
      if (!(err instanceof ChannelRegistryError && err.code === 'exists')) throw err;
      res.status(409).json({ error: `channel '${input.id}' already exists`, id: input.id });
    }
  });
  router.patch('/:id', admin, json, async (req: Request<{ id: string }>, res: Response) => {
    const patch = validate(channelPatchSchema, req, res);
    if (!patch) return;
    const channel = await registry.update(req.params.id, patch);
    if (!channel) {
      notFound(res, req.params.id);
      return;
    }
    res.json(channel);
  });
  router.delete('/:id', admin, async (req: Request<{ id: string }>, res: Response) => {
    if (!(await registry.delete(req.params.id))) {
      notFound(res, req.params.id);
      return;
    }
    res.status(204).end();
  });
  router.use(apiErrorHandler);
  return router;
}

/** The parsed body, or undefined after answering 400 with every problem. */
function validate<S extends z.ZodType>(
  schema: S,
  req: Request,
  res: Response,
): z.infer<S> | undefined {
  const parsed = schema.safeParse(req.body);
  if (parsed.success) return parsed.data;
  res.status(400).json({ error: 'invalid channel', issues: describeChannelIssues(parsed.error) });
  return undefined;
}

function notFound(res: Response, id: string): void {
  res.status(404).json({ error: 'channel not found', id });
}
