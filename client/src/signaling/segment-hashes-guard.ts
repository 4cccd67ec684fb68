import {
  MAX_SEGMENT_HASHES,
  SHA256_HEX_PATTERN,
  type SegmentHash,
  type SegmentHashesMessage,
} from './protocol.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseHash(v: unknown): SegmentHash | undefined {
  if (!isRecord(v)) return undefined;
  const { seq, size, sha256 } = v;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return undefined;
  if (typeof sha256 !== 'string' || !SHA256_HEX_PATTERN.test(sha256)) return undefined;
  return { seq: seq as number, size: size as number, sha256 };
}

/** A `segment-hashes` message from the server, or undefined when it is malformed. */
export function parseSegmentHashes(message: unknown): SegmentHashesMessage | undefined {
  if (!isRecord(message) || typeof message.swarm !== 'string') return undefined;
  const { hashes } = message;
  if (!Array.isArray(hashes) || hashes.length > MAX_SEGMENT_HASHES) return undefined;
  const parsed: SegmentHash[] = [];
  for (const h of hashes) {
    const p = parseHash(h);
    if (!p) return undefined;
    parsed.push(p);
  }
  return { swarm: message.swarm, hashes: parsed };
}
