import { describe, it, expect } from "vitest";
import { checkFeedUrl, isPublicAddress } from "../../src/feeds/network-guard.ts";

describe("isPublicAddress: IPv4", () => {
  const refused: [string, string][] = [
    ["0.0.0.0", "this network"],
    ["0.255.255.255", "this network (end)"],
    ["10.0.0.1", "private 10/8"],
    ["10.255.255.255", "private 10/8 (end)"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.254", "CGNAT (end)"],
    ["127.0.0.1", "loopback"],
    ["127.0.0.2", "loopback"],
    ["127.255.255.255", "loopback (end)"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["172.16.0.1", "private 172.16/12"],
    ["172.31.255.255", "private 172.16/12 (end)"],
    ["192.0.0.8", "IETF protocol assignments"],
    ["192.0.2.10", "documentation"],
    ["192.168.1.1", "private 192.168/16"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking (end)"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast (end)"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
  ];
  it.each(refused)("refuses %s (%s)", (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  const allowed = [
    "1.1.1.1",
    "8.8.8.8",
    "9.255.255.255",
    "11.0.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "126.255.255.255",
    "128.0.0.1",
    "169.253.255.255",
    "169.255.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "192.0.1.1",
    "192.167.255.255",
    "192.169.0.1",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.255",
  ];
  it.each(allowed)("allows %s", (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe("isPublicAddress: IPv6", () => {
  const refused: [string, string][] = [
    ["::", "unspecified"],
    ["0:0:0:0:0:0:0:0", "unspecified, long form"],
    ["::1", "loopback"],
    ["0000:0000:0000:0000:0000:0000:0000:0001", "loopback, long form"],
    ["fc00::1", "unique local"],
    ["fd12:3456:789a::1", "unique local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local with zone"],
    ["febf:ffff::1", "link-local (end)"],
    ["ff02::1", "multicast"],
    ["FF05::1:3", "multicast, upper case"],
    ["2001:db8::1", "documentation"],
    ["2001:0db8:ffff::1", "documentation"],
    ["fec0::1", "site-local (deprecated)"],
    ["100::1", "discard-only"],
    ["4000::1", "outside global unicast"],
  ];
  it.each(refused)("refuses %s (%s)", (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  const allowed = ["2001:4860:4860::8888", "2606:4700:4700::1111", "2a01:e0a:1:2::3", "3fff:ffff::1", "2001:db9::1"];
  it.each(allowed)("allows %s", (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe("isPublicAddress: IPv6 addresses that carry an IPv4 address", () => {
  const refused: [string, string][] = [
    ["::ffff:127.0.0.1", "mapped loopback, dotted"],
    ["::ffff:7f00:1", "mapped loopback, hexadecimal"],
    ["::ffff:10.0.0.1", "mapped private"],
    ["::ffff:169.254.169.254", "mapped link-local"],
    ["0:0:0:0:0:ffff:c0a8:0101", "mapped 192.168.1.1, long form"],
    ["::ffff:100.64.0.1", "mapped CGNAT"],
    ["64:ff9b::127.0.0.1", "NAT64 loopback"],
    ["64:ff9b::a00:1", "NAT64 10.0.0.1, hexadecimal"],
    ["64:ff9b::169.254.169.254", "NAT64 link-local"],
    ["64:ff9b:1::8.8.8.8", "local-use NAT64"],
    ["::127.0.0.1", "IPv4-compatible loopback"],
    ["2002:7f00:1::", "6to4 of 127.0.0.1"],
    ["2002:c0a8:101::1", "6to4 of 192.168.1.1"],
  ];
  it.each(refused)("refuses %s (%s)", (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  const allowed: [string, string][] = [
    ["::ffff:8.8.8.8", "mapped public"],
    ["::ffff:808:808", "mapped public, hexadecimal"],
    ["64:ff9b::8.8.8.8", "NAT64 public"],
    ["2002:808:808::1", "6to4 of 8.8.8.8"],
  ];
  it.each(allowed)("allows %s (%s)", (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe("isPublicAddress: not an address", () => {
  it.each(["", "localhost", "example.org", "1.2.3", "256.1.1.1", "::ffff:1.2.3.999", "1:2:3", "[::1]", " 8.8.8.8"])(
    "refuses %j",
    (value) => {
      expect(isPublicAddress(value)).toBe(false);
    },
  );
});

describe("checkFeedUrl", () => {
  it("accepts http and https URLs, trimmed", () => {
    const https = checkFeedUrl("  https://flux.example.org/missions.xml?key=1 \n");
    expect(https).toEqual({ ok: true, url: new URL("https://flux.example.org/missions.xml?key=1") });
    const http = checkFeedUrl("http://flux.example.org:8080/feed");
    expect(http.ok && http.url.port).toBe("8080");
  });

  it("refuses an empty URL", () => {
    const result = checkFeedUrl("   ");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/vide/);
  });

  it("refuses a URL over 2000 characters, accepts one of exactly 2000", () => {
    const base = "https://flux.example.org/";
    expect(checkFeedUrl(base + "a".repeat(2000 - base.length)).ok).toBe(true);
    const result = checkFeedUrl(base + "a".repeat(2001 - base.length));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/2000 caractères/);
  });

  it("refuses what is not a URL", () => {
    for (const value of ["flux.example.org/missions.xml", "http://", "https://exa mple.org/"]) {
      const result = checkFeedUrl(value);
      expect(result.ok, value).toBe(false);
      expect(!result.ok && result.message).toMatch(/n'est pas une URL valide/);
    }
  });

  it("refuses other schemes", () => {
    for (const value of ["ftp://flux.example.org/f.xml", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "data:text/xml,<a/>"]) {
      const result = checkFeedUrl(value);
      expect(result.ok, value).toBe(false);
      expect(!result.ok && result.message).toMatch(/http:\/\/ ou https:\/\//);
    }
  });

  it("refuses credentials in the URL", () => {
    for (const value of ["https://user:secret@flux.example.org/", "https://user@flux.example.org/", "https://:secret@flux.example.org/"]) {
      const result = checkFeedUrl(value);
      expect(result.ok, value).toBe(false);
      expect(!result.ok && result.message).toMatch(/identifiants/);
    }
  });

  it("leaves the address check to the fetch (literal private IPs are syntactically valid)", () => {
    expect(checkFeedUrl("http://127.0.0.1:8080/").ok).toBe(true);
    expect(checkFeedUrl("http://[::1]/").ok).toBe(true);
  });
});
