/**
 * The `apiengagement_tracking_token` added to a redirect: an HS256 JSON Web Token
 * `{clickId, purpose: "tracking"}` valid 30 days, as today, so that annonceurs' copies of jstag.js
 * and their servers keep working. It proves a confirm-human call comes from the page the click led to.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

export const TRACKING_TOKEN_TTL_S = 30 * 86_400;
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
/**
 * The claims' JSON starts with `{"clickId":"`, 12 bytes: its base64 is the same for every token
 * and the rest encodes on its own (a base64 quantum is 3 bytes).
 */
const CLAIMS_START = '{"clickId":"';
const SIGNED_START = `${HEADER}.${base64url(CLAIMS_START)}`;

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/** The secret as a key object, made once: a string key is converted again on every signature. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret));
    keys.set(secret, key);
  }
  return key;
}

function signature(secret: string, content: string): Buffer {
  return createHmac("sha256", keyOf(secret)).update(content).digest();
}

/** `clickId` is one of our click ids (a UUID): nothing in it needs escaping in JSON. */
export function signTrackingToken(clickId: string, secret: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const content = SIGNED_START + base64url(`${clickId}","purpose":"tracking","iat":${iat},"exp":${iat + TRACKING_TOKEN_TTL_S}}`);
  return `${content}.${signature(secret, content).toString("base64url")}`;
}

/** Whether `token` was signed with `secret` for this click, for tracking, and has not expired. */
export function verifyTrackingToken(token: string, clickId: string, secret: string, nowMs = Date.now()): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [header, payload, sent] = parts as [string, string, string];
  const expected = signature(secret, `${header}.${payload}`);
  const given = Buffer.from(sent, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const head = JSON.parse(Buffer.from(header, "base64url").toString()) as { alg?: unknown };
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { clickId?: unknown; purpose?: unknown; exp?: unknown };
    return (
      head.alg === "HS256" &&
      claims.purpose === "tracking" &&
      claims.clickId === clickId &&
      typeof claims.exp === "number" &&
      claims.exp * 1000 > nowMs
    );
  } catch {
    return false;
  }
}
