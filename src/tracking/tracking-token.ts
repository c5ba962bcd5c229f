/**
 * The `apiengagement_tracking_token` added to a redirect: an HS256 JSON Web Token
 * `{clickId, purpose: "tracking"}` valid 30 days, as today, so that annonceurs' copies of jstag.js
 * and their servers keep working. It proves a confirm-human call comes from the page the click led to.
 */
import { timingSafeEqual } from "node:crypto";
import { hmacSha256 } from "./hmac.ts";

export const TRACKING_TOKEN_TTL_S = 30 * 86_400;
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
/**
 * The claims' JSON starts with `{"clickId":"`, 12 bytes: its base64 is the same for every token
 * and the rest encodes on its own (a base64 quantum is 3 bytes).
 */
const CLAIMS_START = '{"clickId":"';
const SIGNED_START = `${HEADER}.${base64url(CLAIMS_START)}`;
/** A JWT's header and claims: base64url. */
const SIGNED_PART = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

const signers = new Map<string, (text: string) => string | null>();
/** The base64url HS256 signature of a token's `header.claims` (ASCII), the signer made once per secret. */
function signature(secret: string, content: string): string | null {
  let sign = signers.get(secret);
  if (!sign) {
    sign = hmacSha256(secret);
    signers.set(secret, sign);
  }
  return sign(content);
}

/** `clickId` is one of our click ids (a UUID): nothing in it needs escaping in JSON. */
export function signTrackingToken(clickId: string, secret: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const content = SIGNED_START + base64url(`${clickId}","purpose":"tracking","iat":${iat},"exp":${iat + TRACKING_TOKEN_TTL_S}}`);
  const signed = signature(secret, content);
  if (signed === null) throw new Error(`jeton de suivi : identifiant de clic invalide (${clickId})`);
  return `${content}.${signed}`;
}

/** Whether `token` was signed with `secret` for this click, for tracking, and has not expired. */
export function verifyTrackingToken(token: string, clickId: string, secret: string, nowMs = Date.now()): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [header, payload, sent] = parts as [string, string, string];
  const content = `${header}.${payload}`;
  const expected = SIGNED_PART.test(content) ? signature(secret, content) : null;
  if (expected === null || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) return false;
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
