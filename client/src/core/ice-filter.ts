/**
 * Which ICE candidates a peer may announce and accept:
 * - `none`: every candidate (production);
 * - `loopback`: only candidates on 127.0.0.0/8 or ::1 (tests and benchmarks on one machine,
 *   so that no packet leaves it).
 */
export type CandidateFilter = 'none' | 'loopback';

/**
 * The connection address of an ICE candidate line (`candidate:...`, with or without a leading
 * `a=`), or undefined when the line is not a candidate.
 */
export function candidateAddress(line: string): string | undefined {
  const body = line.trim().replace(/^a=/, '');
  if (!body.startsWith('candidate:')) return undefined;
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  return body.split(/\s+/)[4];
}

/** Whether an address is a loopback address (IPv4 127/8, IPv6 ::1). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1' || a === '0:0:0:0:0:0:0:1';
}

/** Whether a candidate line passes the filter (`loopback` rejects a line it cannot parse). */
export function acceptsCandidate(filter: CandidateFilter, line: string): boolean {
  if (filter === 'none') return true;
  const address = candidateAddress(line);
  return address !== undefined && isLoopbackAddress(address);
}

/** Removes the `a=candidate:` lines of an SDP that the filter rejects. */
export function filterSdp(filter: CandidateFilter, sdp: string): string {
  if (filter === 'none') return sdp;
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') || acceptsCandidate(filter, line))
    .join('\r\n');
}

/**
 * Applies the filter to one simple-peer signal (offer, answer or trickled candidate): returns
 * the signal to pass on (with filtered SDP), or undefined to drop it.
 */
export function filterSignal(filter: CandidateFilter, signal: unknown): unknown {
  if (filter === 'none' || typeof signal !== 'object' || signal === null) return signal;
  const s = signal as { sdp?: unknown; candidate?: unknown };
  if (typeof s.sdp === 'string') return { ...s, sdp: filterSdp(filter, s.sdp) };
  if (typeof s.candidate === 'object' && s.candidate !== null) {
    const line = (s.candidate as { candidate?: unknown }).candidate;
    // An empty candidate marks the end of gathering: harmless, keep it.
    if (typeof line === 'string' && line !== '' && !acceptsCandidate(filter, line)) {
      return undefined;
    }
  }
  return signal;
}
