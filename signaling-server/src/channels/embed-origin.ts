/**
 * Whether a page on `origin` may embed a channel whose allowed embed origins are `allowed`.
 *
 * - An empty list, or one containing `*`, allows any origin.
 * - The server's own pages are always allowed: an `origin` whose host is the request's `host`.
 * - No `Origin` header (a same-origin GET, or a client that is not a browser) is allowed: the
 *   list is a browser embedding policy, not authentication.
 * - Otherwise the origin must equal an entry (compared as URL origins: scheme, host, port;
 *   `https://Example.com:443` equals `https://example.com`). An opaque origin (`null`, from
 *   sandboxed frames and `file:` pages) matches no entry.
 */
export function embedOriginAllowed(
  allowed: readonly string[],
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  if (!origin) return true;
  const page = normalizeOrigin(origin);
  if (page === undefined) return false;
  if (host?.toLowerCase() === new URL(page).host) return true;
  return allowed.some((entry) => normalizeOrigin(entry) === page);
}

/** `scheme://host[:port]` of an http(s) URL, lowercased, default port dropped; else undefined. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** The message a refused page shows its viewers. */
export function refusedOriginMessage(channelName: string, origin: string | undefined): string {
  return `The channel “${channelName}” may not be embedded on ${origin ?? 'this page'}.`;
}
