/** The server's channel record, as `GET /api/channels` returns it. */
export interface ChannelInfo {
  id: string;
  name: string;
  sourceUrl: string;
  enabled: boolean;
  p2pEnabled: boolean;
}

/** Thrown for a failed API call; `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson(path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('The meshcast server cannot be reached.', 0);
  }
  if (!res.ok) throw new ApiError(`${path} answered HTTP ${res.status}`, res.status);
  return res.json();
}

export async function listChannels(): Promise<ChannelInfo[]> {
  const body = (await getJson('/api/channels')) as { channels: ChannelInfo[] };
  return body.channels;
}

/** The channel, or undefined when the server does not know it. */
export async function getChannel(id: string): Promise<ChannelInfo | undefined> {
  try {
    return (await getJson(`/api/channels/${encodeURIComponent(id)}`)) as ChannelInfo;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Builds an element with text content (never innerHTML: names come from operators). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  if (text !== undefined) node.textContent = text;
  return node;
}
