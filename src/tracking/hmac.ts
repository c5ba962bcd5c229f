/**
 * HMAC-SHA-256 (RFC 2104) of ASCII text, computed with two one-call hashes over buffers prepared
 * once per key. Node's createHmac makes a native object per signature, which the garbage collector
 * then has to finalise: with a token signed on every tracked redirect, that was a large share of
 * the redirect's own work.
 */
import { hash } from "node:crypto";

const BLOCK = 64;
/** Longest text signed: a tracking token's header and claims are about 200 characters. */
const MAX_TEXT = 1024;
const ASCII = /^[\x20-\x7e]*$/;

/** A signer for `secret`: text → base64url signature; null when the text is not short printable ASCII. */
export function hmacSha256(secret: string): (text: string) => string | null {
  let key = Buffer.from(secret);
  if (key.length > BLOCK) key = hash("sha256", key, "buffer");
  const inner = Buffer.alloc(BLOCK + MAX_TEXT);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i += 1) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  // One view per text length: tokens all have the same length, so there is one.
  const views = new Map<number, Uint8Array>();
  return (text) => {
    if (text.length > MAX_TEXT || !ASCII.test(text)) return null;
    const length = BLOCK + inner.write(text, BLOCK, "latin1");
    let view = views.get(length);
    if (!view) {
      view = new Uint8Array(inner.buffer, inner.byteOffset, length);
      views.set(length, view);
    }
    outer.write(hash("sha256", view, "binary"), BLOCK, "latin1");
    return hash("sha256", outer, "base64url");
  };
}
