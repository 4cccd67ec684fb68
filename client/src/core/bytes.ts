/**
 * The first `length` bytes of `parts` joined (all of them by default). A single part of the
 * right length is returned as is, without a copy.
 */
export function concatBytes(
  parts: readonly Uint8Array[],
  length = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  if (parts.length === 1 && parts[0]?.length === length) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    if (offset >= length) break;
    out.set(part.subarray(0, length - offset), offset);
    offset += Math.min(part.length, length - offset);
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `bytes` as lowercase hex, two characters a byte. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b] ?? '';
  return out;
}

/** Whether `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
