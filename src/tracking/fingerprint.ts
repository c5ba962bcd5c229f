/**
 * Who made a request, without keeping who they are: a keyed hash (HMAC-SHA-256 with a secret of
 * the service) of the IP address, the full referer and the user agent. The raw IP is never stored,
 * and without the key the hash cannot be tested against guessed addresses.
 */
import { createHmac } from "node:crypto";

export function fingerprint(key: string, ip: string, userAgent: string | undefined, referer: string | undefined): string {
  return createHmac("sha256", key)
    .update(JSON.stringify([ip, referer || "not_defined", userAgent ?? null]))
    .digest("hex");
}

/** The referer as stored on an event: without its query string and fragment (they may carry personal data). */
export function storedReferer(referer: string | undefined): string | null {
  if (!referer) return null;
  const end = referer.search(/[?#]/);
  return (end === -1 ? referer : referer.slice(0, end)).slice(0, 2048);
}
