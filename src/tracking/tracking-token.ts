/**
 * The `apiengagement_tracking_token` added to a redirect: an HS256 JSON Web Token
 * `{clickId, purpose: "tracking"}` valid 30 days, as today, so that annonceurs' copies of jstag.js
 * and their servers keep working. It proves a confirm-human call comes from the page the click led to.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TRACKING_TOKEN_TTL_S = 30 * 86_400;
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

function signature(secret: string, content: string): Buffer {
  return createHmac("sha256", secret).update(content).digest();
}

export function signTrackingToken(clickId: string, secret: string, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const content = `${HEADER}.${base64url(JSON.stringify({ clickId, purpose: "tracking", iat, exp: iat + TRACKING_TOKEN_TTL_S }))}`;
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
