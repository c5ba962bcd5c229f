import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint, storedReferer } from "../../src/tracking/fingerprint.ts";
import { cleanIdParam } from "../../src/tracking/link-targets.ts";
import { parseTags } from "../../src/tracking/redirect-routes.ts";
import { ensureProtocol, parseDestination, trackedUrl } from "../../src/tracking/tracked-url.ts";
import { signTrackingToken, TRACKING_TOKEN_TTL_S, verifyTrackingToken } from "../../src/tracking/tracking-token.ts";

const SECRET = "s".repeat(40);
const CLICK = "01938f2e-7c3a-7b1e-9a4f-2c3d4e5f6a7b";

describe("tracking token (HS256 JWT {clickId, purpose: tracking}, 30 days)", () => {
  it("verifies its own tokens for the same click, within 30 days", () => {
    const now = Date.UTC(2026, 10, 29);
    const token = signTrackingToken(CLICK, SECRET, now);
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toMatchObject({ clickId: CLICK, purpose: "tracking", exp: now / 1000 + TRACKING_TOKEN_TTL_S });
    expect(verifyTrackingToken(token, CLICK, SECRET, now + 1000)).toBe(true);
    expect(verifyTrackingToken(token, CLICK, SECRET, now + TRACKING_TOKEN_TTL_S * 1000 + 1)).toBe(false);
  });

  it("is exactly the JWT a standard HS256 library makes of the same claims", () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0, 999);
    const iat = Math.floor(now / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const content = `${part({ alg: "HS256", typ: "JWT" })}.${part({ clickId: CLICK, purpose: "tracking", iat, exp: iat + TRACKING_TOKEN_TTL_S })}`;
    const expected = `${content}.${createHmac("sha256", SECRET).update(content).digest("base64url")}`;
    expect(signTrackingToken(CLICK, SECRET, now)).toBe(expected);
  });

  it("refuses another click, another key, a tampered payload, garbage", () => {
    const token = signTrackingToken(CLICK, SECRET);
    expect(verifyTrackingToken(token, "01938f2e-7c3a-7b1e-9a4f-000000000000", SECRET)).toBe(false);
    expect(verifyTrackingToken(token, CLICK, "t".repeat(40))).toBe(false);
    const [h, , sig] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ clickId: CLICK, purpose: "tracking", exp: 9e9 })).toString("base64url");
    expect(verifyTrackingToken(`${h}.${forged}.${sig}`, CLICK, SECRET)).toBe(false);
    for (const bad of ["", "a.b", "a.b.c", `${h}..${sig}`]) expect(verifyTrackingToken(bad, CLICK, SECRET)).toBe(false);
  });
});

describe("tracked URLs", () => {
  it("adds the protocol annonceurs omit, refuses what is not an http(s) URL", () => {
    expect(ensureProtocol("www.exemple.fr/candidater")).toBe("https://www.exemple.fr/candidater");
    expect(ensureProtocol("http://exemple.fr")).toBe("http://exemple.fr");
    expect(parseDestination("javascript:alert(1)")).toBeNull();
    expect(parseDestination("ftp://exemple.fr/x")).toBeNull();
    expect(parseDestination("")).toBeNull();
    expect(parseDestination(null)).toBeNull();
    expect(parseDestination("exemple.fr/a b")?.toString()).toBe("https://exemple.fr/a%20b");
  });

  it("keeps the URL's own query and fragment, replaces tracking parameters already there", () => {
    const url = trackedUrl(new URL("https://exemple.fr/offre?ref=1&utm_source=old#postuler"), {
      clickId: CLICK,
      token: "t.o.k",
      campaign: { prefix: "utm", source: "api_engagement", medium: "api", campaign: "mairie" },
    });
    const parsed = new URL(url);
    expect(parsed.hash).toBe("#postuler");
    expect([...parsed.searchParams]).toEqual([
      ["ref", "1"],
      ["apiengagement_id", CLICK],
      ["apiengagement_tracking_token", "t.o.k"],
      ["utm_source", "api_engagement"],
      ["utm_medium", "api"],
      ["utm_campaign", "mairie"],
    ]);
  });
});

describe("request details", () => {
  it("fingerprints with a key: same inputs same hash, any change another hash; no raw input inside", () => {
    const a = fingerprint(SECRET, "203.0.113.7", "Mozilla/5.0", "https://site.fr/page?x=1");
    expect(a).toBe(fingerprint(SECRET, "203.0.113.7", "Mozilla/5.0", "https://site.fr/page?x=1"));
    expect(a).not.toBe(fingerprint(SECRET, "203.0.113.8", "Mozilla/5.0", "https://site.fr/page?x=1"));
    expect(a).not.toBe(fingerprint(SECRET, "203.0.113.7", "Mozilla/5.0", "https://site.fr/page?x=2"));
    expect(a).not.toBe(fingerprint("k".repeat(40), "203.0.113.7", "Mozilla/5.0", "https://site.fr/page?x=1"));
    expect(a).not.toContain("203");
    // No user agent and an empty one are two visitors.
    expect(fingerprint(SECRET, "203.0.113.7", undefined, "r")).not.toBe(fingerprint(SECRET, "203.0.113.7", "", "r"));
  });

  it("stores the referer without query or fragment", () => {
    expect(storedReferer("https://site.fr/page?email=a@b.fr#x")).toBe("https://site.fr/page");
    expect(storedReferer(undefined)).toBeNull();
  });

  it("cleans ids and tags like today, bounded", () => {
    expect(cleanIdParam("5f5931496c7ea514150a818f\">")).toBe("5f5931496c7ea514150a818f");
    expect(cleanIdParam("abc-123")).toBe("abc-123");
    expect(parseTags(" a, b ,,c")).toEqual(["a", "b", "c"]);
    expect(parseTags(Array.from({ length: 20 }, (_, i) => `t${i}`).join(","))).toHaveLength(10);
    expect(parseTags(undefined)).toEqual([]);
  });
});
