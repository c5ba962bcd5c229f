/**
 * Pure checks that keep the feed import from being used to reach internal services (SSRF):
 * - `checkFeedUrl`: the syntax of a feed URL (scheme, length, no credentials in it, a host);
 * - `isPublicAddress`: whether an IP address may be connected to.
 *
 * `fetch.ts` applies `isPublicAddress` to the address actually connected to (after DNS resolution),
 * and to every redirect target.
 */
import { BlockList, isIP } from "node:net";

/** Longest feed URL accepted, in characters. */
export const MAX_FEED_URL_LENGTH = 2000;

export type FeedUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Checks the syntax of a feed URL: trimmed, at most 2000 characters, `http:` or `https:` only, no
 * `user:password@` part (credentials go in the feed settings) and a host present. Does not resolve
 * the host: see `isPublicAddress` for the address check.
 */
export function checkFeedUrl(url: string): FeedUrlCheck {
  const trimmed = url.trim();
  if (trimmed === "") {
    return { ok: false, message: "L'adresse du flux est vide : indiquez l'URL complète du flux (https://…)" };
  }
  if (trimmed.length > MAX_FEED_URL_LENGTH) {
    return {
      ok: false,
      message: `L'adresse du flux dépasse ${MAX_FEED_URL_LENGTH} caractères : indiquez une adresse plus courte`,
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return {
      ok: false,
      message: `L'adresse du flux « ${shorten(trimmed)} » n'est pas une URL valide : indiquez une adresse complète commençant par https://`,
    };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return {
      ok: false,
      message: `L'adresse du flux doit commencer par http:// ou https:// (reçu « ${shorten(parsed.protocol)} ») : corrigez l'adresse du flux`,
    };
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return {
      ok: false,
      message:
        "L'adresse du flux ne doit pas contenir d'identifiants (utilisateur:mot-de-passe@) : renseignez-les dans les champs identifiant et mot de passe du flux",
    };
  }
  if (parsed.hostname === "") {
    return { ok: false, message: "L'adresse du flux ne contient pas de nom de serveur : corrigez l'adresse du flux" };
  }
  return { ok: true, url: parsed };
}

/** Cuts a value quoted in a message so that a huge input does not make a huge message. */
function shorten(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

/** IPv4 ranges that are not publicly routable (RFC 6890 and friends). */
const BLOCKED_IPV4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata services live here)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, includes broadcast 255.255.255.255
] as const) {
  BLOCKED_IPV4.addSubnet(network, prefix, "ipv4");
}

/**
 * IPv6 ranges refused even though some of them are inside 2000::/3 (the only range that
 * `isPublicAddress` accepts at all). The ranges outside it are listed too, for the record.
 */
const BLOCKED_IPV6 = new BlockList();
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard-only
  ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation
  ["2001:2::", 48], // benchmarking
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  BLOCKED_IPV6.addSubnet(network, prefix, "ipv6");
}

/**
 * `true` when `ip` is a publicly routable unicast address that a feed may be fetched from; `false`
 * for private, loopback, link-local, CGNAT, multicast, reserved and documentation ranges, and for
 * anything that is not an IP address. IPv6 addresses that embed an IPv4 address (IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
 * by that IPv4 address. Other IPv6 addresses must be global unicast (2000::/3).
 */
export function isPublicAddress(ip: string): boolean {
  const version = isIP(ip);
  if (version === 4) return !BLOCKED_IPV4.check(ip, "ipv4");
  if (version !== 6) return false;

  const groups = parseIPv6(ip);
  if (!groups) return false;
  const embedded = embeddedIPv4(groups);
  if (embedded !== null) return isPublicAddress(embedded);

  const canonical = groups.map((group) => group.toString(16)).join(":");
  if (BLOCKED_IPV6.check(canonical, "ipv6")) return false;
  // Global unicast only: everything outside 2000::/3 is reserved or unassigned.
  return ((groups[0] ?? 0) & 0xe000) === 0x2000;
}

/**
 * The IPv4 address carried by an IPv6 address, or null: IPv4-mapped (::ffff:0:0/96),
 * IPv4-compatible (::/96, which includes :: and ::1), NAT64 well-known prefix (64:ff9b::/96) and
 * 6to4 (2002::/16, address in bits 16-47).
 */
function embeddedIPv4(groups: number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroUpTo4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroUpTo4 && (g5 === 0xffff || g5 === 0)) return ipv4FromGroups(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4FromGroups(g6, g7);
  if (g0 === 0x2002) return ipv4FromGroups(g1, g2);
  return null;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/**
 * The eight 16-bit groups of an IPv6 address (already validated by `isIP`), or null. Handles `::`
 * compression, a trailing dotted IPv4 part and a `%zone` suffix (ignored).
 */
function parseIPv6(ip: string): number[] | null {
  let text = ip;
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);

  // A trailing dotted IPv4 part becomes two hexadecimal groups.
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (isIP(tail) !== 4) return null;
    const bytes = tail.split(".").map(Number) as [number, number, number, number];
    const high = ((bytes[0] << 8) | bytes[1]).toString(16);
    const low = ((bytes[2] << 8) | bytes[3]).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }

  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseHalf = (half: string): number[] => (half === "" ? [] : half.split(":").map((group) => parseInt(group, 16)));
  const head = parseHalf(halves[0] ?? "");
  const rest = halves.length === 2 ? parseHalf(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  if (groups.some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff)) return null;
  return groups;
}
