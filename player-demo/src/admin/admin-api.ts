import type { Channel, ChannelStats } from '@meshcast/client/signaling';

/** A channel as the server stores it (`GET /api/channels/:id`). */
export type AdminChannel = Channel;

/** The fields a channel update may send (everything but the id). */
export type AdminChannelPatch = Partial<Omit<AdminChannel, 'id'>>;

/** One invalid field of a refused body: `path` is e.g. `name` or `allowedOrigins.1`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A failed API call; `status` is 0 when the server could not be reached. */
export class AdminApiError extends Error {
  readonly type = 'admin-api' as const;
  constructor(
    message: string,
    readonly status: number,
    /** The server's per-field validation messages (400). */
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminApiOptions {
  /** Called when the server refuses the token (401) on any call. */
  onUnauthorized?: () => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The channel API with an admin token (`Authorization: Bearer`, never in a URL). */
export class AdminApi {
  private readonly fetch: typeof fetch;

  constructor(
    private readonly token: string,
    private readonly options: AdminApiOptions = {},
  ) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** True when the server accepts the token, false when it refuses it; changes nothing. */
  async checkToken(): Promise<boolean> {
    try {
      await this.call('GET', '/api/admin/session', undefined, false);
      return true;
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 401) return false;
      throw err;
    }
  }

  async listChannels(): Promise<AdminChannel[]> {
    return ((await this.call('GET', '/api/channels')) as { channels: AdminChannel[] }).channels;
  }

  async getChannel(id: string): Promise<AdminChannel> {
    return (await this.call('GET', channelPath(id))) as AdminChannel;
  }

  async createChannel(channel: AdminChannel): Promise<AdminChannel> {
    return (await this.call('POST', '/api/channels', channel)) as AdminChannel;
  }

  async updateChannel(id: string, patch: AdminChannelPatch): Promise<AdminChannel> {
    return (await this.call('PATCH', channelPath(id), patch)) as AdminChannel;
  }

  async deleteChannel(id: string): Promise<void> {
    await this.call('DELETE', channelPath(id));
  }

  async stats(id: string): Promise<ChannelStats> {
    return (await this.call('GET', `${channelPath(id)}/stats`)) as ChannelStats;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    reportUnauthorized = true,
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.token}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(path, {
        method,
        headers,
        cache: 'no-store',
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch {
      throw new AdminApiError('The meshcast server cannot be reached.', 0);
    }
    if (res.status === 204) return undefined;
    const json: unknown = await res.json().catch(() => undefined);
    if (res.ok) return json;
    if (res.status === 401 && reportUnauthorized) this.options.onUnauthorized?.();
    const { error, issues } = (json ?? {}) as { error?: unknown; issues?: unknown };
    throw new AdminApiError(
      typeof error === 'string' ? error : `${method} ${path} answered HTTP ${res.status}`,
      res.status,
      Array.isArray(issues) ? (issues as FieldIssue[]) : [],
    );
  }
}

const channelPath = (id: string): string => `/api/channels/${encodeURIComponent(id)}`;
