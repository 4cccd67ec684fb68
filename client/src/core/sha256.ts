import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes.js';

/** SHA-256 of `bytes` as 64 lowercase hex characters. */
export type Digest = (bytes: Uint8Array) => Promise<string>;

interface SubtleLike {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}

/**
 * The SHA-256 to use here: WebCrypto's `crypto.subtle.digest` where it exists (browsers in a
 * secure context, Node 20), else a pure-JS implementation (@noble/hashes): `crypto.subtle` is
 * undefined on plain-HTTP pages that are not localhost.
 *
 * @param subtle the WebCrypto to try. @default globalThis.crypto?.subtle
 */
export function createDigest(
  subtle: SubtleLike | undefined = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto
    ?.subtle,
): Digest {
  if (subtle && typeof subtle.digest === 'function') {
    return async (bytes) => toHex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
  }
  return (bytes) => Promise.resolve(toHex(nobleSha256(bytes)));
}
