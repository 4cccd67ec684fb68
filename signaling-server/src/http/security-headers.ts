import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Channel } from '../channels/channel.js';
import type { ChannelRegistry } from '../channels/channel-registry.js';
import { normalizeOrigin } from '../channels/embed-origin.js';

/** What one page's Content-Security-Policy lets it reach beyond its own origin. */
export interface PagePolicy {
  /**
   * Origins the page may fetch from besides itself and any `https:` URL (the HLS sources of
   * channels served over plain http). @default []
   */
  connectSources: readonly string[];
  /** Who may frame the page: origins, or `*` for anyone. @default ['self'] */
  frameAncestors: readonly string[] | '*';
}

export const DEFAULT_PAGE_POLICY: PagePolicy = { connectSources: [], frameAncestors: ['self'] };

/**
 * The Content-Security-Policy of meshcast's pages: scripts only from this server (no
 * inline script, no eval), styles from here plus inline ones (the embed element and
 * video.js inject `<style>`), media and workers from `blob:` as well (MSE and hls.js's
 * worker), fetches and WebSockets to this server, to any `https:` URL (a channel's HLS may
 * live on any CDN) and to `policy.connectSources`.
 *
 * @example res.set('Content-Security-Policy', contentSecurityPolicy({ frameAncestors: '*' }))
 */
export function contentSecurityPolicy(policy: Partial<PagePolicy> = {}): string {
  const { connectSources, frameAncestors } = { ...DEFAULT_PAGE_POLICY, ...policy };
  const ancestors =
    frameAncestors === '*'
      ? ['*']
      : frameAncestors.map((o) => (o === 'self' ? "'self'" : o)).filter((o) => !/[\s;,]/.test(o));
  const connect = ["'self'", 'https:', ...connectSources.filter((o) => !/[\s;,]/.test(o))];
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['style-src', "'self'", "'unsafe-inline'"],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'", 'data:'],
    ['media-src', "'self'", 'blob:'],
    ['worker-src', "'self'", 'blob:'],
    ['connect-src', ...new Set(connect)],
    ['frame-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', ...(ancestors.length > 0 ? ancestors : ["'none'"])],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/**
 * The origins of channels' HLS sources that `https:` does not cover already (plain http,
 * on another host or port). Relative sources are this server's own.
 */
export function channelConnectSources(channels: readonly Pick<Channel, 'sourceUrl'>[]): string[] {
  const origins = new Set<string>();
  for (const { sourceUrl } of channels) {
    if (!/^http:\/\//i.test(sourceUrl)) continue;
    const origin = normalizeOrigin(sourceUrl);
    if (origin !== undefined) origins.add(origin);
  }
  return [...origins].sort();
}

/**
 * Sets a page's CSP with the HLS origins of every channel, since a page may play any of
 * them (the watch page, the video.js demo with `?channel=`, the embedding examples).
 */
export async function setPagePolicy(
  res: Response,
  registry: Pick<ChannelRegistry, 'list'>,
  policy: Partial<Omit<PagePolicy, 'connectSources'>> = {},
): Promise<void> {
  const connectSources = channelConnectSources(await registry.list());
  res.set('Content-Security-Policy', contentSecurityPolicy({ ...policy, connectSources }));
}

/**
 * helmet's headers with what meshcast needs: the default CSP above on every response
 * (pages refine it), resources loadable cross-origin (`/meshcast.js`, the demo HLS and the
 * embed API are used by other sites' pages), no HSTS (TLS is the proxy's business; a
 * plain-http deployment must not pin itself), and `X-Frame-Options: SAMEORIGIN` except
 * where a page sets `frame-ancestors` for embedding (the embed route removes it).
 */
export function securityHeaders(): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'sameorigin' },
  });
  const csp = contentSecurityPolicy();
  return (req, res, next) => {
    res.set('Content-Security-Policy', csp);
    headers(req, res, next);
  };
}
