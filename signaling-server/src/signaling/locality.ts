import { isIPv4, isIPv6 } from 'node:net';

/**
 * A viewer's locality key: viewers with the same key are probably close on the network, so
 * neighbour lists prefer them (fewer bytes cross regions or transit links). `r:<region>`
 * from the trusted load balancer's region header, else `4:a.b.c` (the IPv4 /24) or
 * `6:h1:h2:h3` (the IPv6 /48); undefined when nothing is known.
 */
export type LocalityKey = string;

/** What the key is read from: the connection's handshake, as socket.io gives it. */
export interface LocalityRequest {
  /** The TCP peer's address (a load balancer's, when there is one). */
  address: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How the key is read; narrowed from the server configuration. */
export interface LocalityOptions {
  /** Read `X-Forwarded-For` and the region header (only behind a trusted proxy). */
  trustProxy: boolean;
  /** Lowercase name of the region header. */
  localityHeader: string;
}

const REGION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The locality of a connection. Behind a trusted proxy the region header wins, then the
 * client address the proxy appended to `X-Forwarded-For` (the last entry: earlier ones come
 * from the client and can be forged); otherwise the TCP peer address.
 *
 * @example
 * localityOf({ address: '203.0.113.9', headers: {} }, { trustProxy: false, localityHeader: 'x-meshcast-region' })
 * // '4:203.0.113'
 */
export function localityOf(
  request: LocalityRequest,
  options: LocalityOptions,
): LocalityKey | undefined {
  if (options.trustProxy) {
    const region = lastValue(request.headers[options.localityHeader]);
    if (region !== undefined && REGION_PATTERN.test(region)) return `r:${region.toLowerCase()}`;
    const forwarded = lastValue(request.headers['x-forwarded-for']);
    const key = forwarded === undefined ? undefined : subnetLocality(forwarded);
    if (key !== undefined) return key;
  }
  return subnetLocality(request.address);
}

/**
 * The subnet key of an IP address: the /24 of an IPv4 address (IPv4-mapped IPv6 included),
 * the /48 of an IPv6 address. Undefined for anything else.
 *
 * @example subnetLocality('::ffff:10.1.2.3') // '4:10.1.2'
 */
export function subnetLocality(address: string): LocalityKey | undefined {
  let a = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped?.[1] !== undefined) a = mapped[1];
  if (isIPv4(a)) return `4:${a.split('.').slice(0, 3).join('.')}`;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (!isIPv6(a)) return undefined;
  return `6:${expandIPv6(a).slice(0, 3).join(':')}`;
}

/** The 8 groups of an IPv6 address, lowercase, without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4 was handled; others like 64:ff9b::1.2.3.4) -> 2 groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [b1, b2, b3, b4] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}

/** The last value of a header: the last of a repeated header, the last comma-separated item. */
function lastValue(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.at(-1) : header;
  const last = text?.split(',').at(-1)?.trim();
  return last === '' ? undefined : last;
}
