import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { VisitLimit } from "../../src/tracking/visit-limit.ts";
import { clientAddress, requestHostname, visitorOf } from "../../src/tracking/visitor.ts";

const request = (headers: Record<string, string>, remoteAddress = "10.0.0.1") => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

describe("who made a tracking request", () => {
  it("takes the client from the proxy's last X-Forwarded-For entry, else the socket", () => {
    expect(clientAddress(request({}))).toBe("10.0.0.1");
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.7" }))).toBe("203.0.113.7");
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.7,  198.51.100.23 " }))).toBe("198.51.100.23");
    expect(clientAddress(request({ "x-forwarded-for": "203.0.113.7, , " }))).toBe("203.0.113.7");
    expect(clientAddress(request({ "x-forwarded-for": " " }))).toBe("10.0.0.1");
  });

  it("takes the host name without its port, from the proxy's X-Forwarded-Host when given", () => {
    expect(requestHostname(request({ host: "api.example.fr:8443" }))).toBe("api.example.fr");
    expect(requestHostname(request({ host: "[::1]:3000" }))).toBe("[::1]");
    expect(requestHostname(request({ host: "interne:3000", "x-forwarded-host": "a.example, api.example.fr" }))).toBe("api.example.fr");
    expect(requestHostname(request({}))).toBe("");
  });

  it("gives bots no visitor, and everyone else a keyed fingerprint without the address", () => {
    expect(visitorOf(request({ "user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" }), "k".repeat(32))).toBeNull();
    const who = visitorOf(request({ "user-agent": BROWSER, referer: "https://mairie.example.fr/a?b=c", host: "api.example.fr" }, "192.0.2.1"), "k".repeat(32))!;
    expect(who).toMatchObject({ referer: "https://mairie.example.fr/a", user_agent: BROWSER, host: "api.example.fr", origin: null });
    expect(who.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(who)).not.toContain("192.0.2.1");
    const other = visitorOf(request({ "user-agent": BROWSER, referer: "https://mairie.example.fr/a?b=c", host: "api.example.fr" }, "192.0.2.2"), "k".repeat(32))!;
    expect(other.fingerprint).not.toBe(who.fingerprint);
  });
});

describe("per-address limit of tracking requests", () => {
  const warnings: object[] = [];
  const limit = (enabled = true) => new VisitLimit({ enabled, max: 3, windowMs: 60_000, log: { warn: (obj) => warnings.push(obj) } });

  it("allows max requests per address and window, then refuses until the next window, and logs the count once", () => {
    const visits = limit();
    const t0 = 1_000_000;
    expect([1, 2, 3, 4, 5].map((i) => visits.allow("a", t0 + i))).toEqual([true, true, true, false, false]);
    expect(visits.allow("b", t0 + 10)).toBe(true);
    expect(visits.retryAfterS(t0 + 10)).toBe(60);
    warnings.length = 0;
    expect(visits.allow("a", t0 + 60_001)).toBe(true);
    expect(warnings).toEqual([{ refused: 2, addresses: 1, max: 3, windowMs: 60_000 }]);
  });

  it("allows everything when rate limits are disabled", () => {
    const visits = limit(false);
    expect(Array.from({ length: 10 }, () => visits.allow("a")).every(Boolean)).toBe(true);
  });
});
