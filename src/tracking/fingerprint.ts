/**
 * Who made a request, without keeping who they are: a keyed hash — SHA-256 of a secret of the
 * service followed by the IP address, the full referer and the user agent. The raw IP is never
 * stored, and without the key the hash cannot be tested against guessed addresses. Nothing is ever
 * verified against a fingerprint, so the one-call hash does as well as an HMAC (whose two passes and
 * objects were a tenth of a tracked redirect's work).
 */
import { hash } from "node:crypto";

/** Between the fields: header values cannot hold a line feed, nor a NUL (the absent user agent). */
const SEPARATOR = "\n";
const NO_USER_AGENT = "\u0000";

export function fingerprint(key: string, ip: string, userAgent: string | undefined, referer: string | undefined): string {
  return hash("sha256", key + SEPARATOR + ip + SEPARATOR + (referer || "not_defined") + SEPARATOR + (userAgent ?? NO_USER_AGENT));
}

/** The referer as stored on an event: without its query string and fragment (they may carry personal data). */
export function storedReferer(referer: string | undefined): string | null {
  if (!referer) return null;
  const end = referer.search(/[?#]/);
  return (end === -1 ? referer : referer.slice(0, end)).slice(0, 2048);
}
