import { describe, expect, it } from "vitest";
import { DEMO_REFERENCE_DATE, generateDemoData, type MissionBody } from "../../src/demo/generate.ts";
import { mulberry32 } from "../../src/demo/random.ts";
import { normalizeAddress } from "../../src/places/address.ts";
import { DOMAIN_SLUGS } from "../../src/taxonomy/domains.ts";

const DOMAINS: readonly string[] = DOMAIN_SLUGS;

/** [minLat, maxLat, minLon, maxLon] of metropolitan France (with Corsica) and the overseas territories. */
const FRENCH_BOXES: ReadonlyArray<readonly [number, number, number, number]> = [
  [41.3, 51.2, -5.3, 9.7], // metropolitan France and Corsica
  [15.8, 16.6, -61.9, -60.9], // Guadeloupe
  [14.3, 14.95, -61.3, -60.75], // Martinique
  [2.0, 5.9, -54.7, -51.5], // Guyane
  [-21.45, -20.8, 55.15, 55.9], // La Réunion
  [-13.1, -12.55, 44.95, 45.35], // Mayotte
  [46.7, 47.2, -56.5, -56.1], // Saint-Pierre-et-Miquelon
  [17.85, 18.15, -63.2, -62.75], // Saint-Barthélemy, Saint-Martin
  [-14.5, -13.1, -178.3, -176.0], // Wallis-et-Futuna
  [-28.0, -7.5, -155.0, -134.0], // Polynésie française
  [-23.0, -19.5, 163.5, 168.3], // Nouvelle-Calédonie
];

const inFrance = (lat: number, lon: number) =>
  FRENCH_BOXES.some(([minLat, maxLat, minLon, maxLon]) => lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon);

/** Would automatic moderation refuse this body? (the rules the generator breaks on purpose) */
const breaksModeration = (body: MissionBody) =>
  body.title.trim().split(" ").length < 2 ||
  body.title.includes("&#") ||
  !body.applicationUrl ||
  !body.description ||
  !DOMAINS.includes(body.domain);

const luhnValid = (digits: string) =>
  [...digits].reverse().reduce((sum, char, index) => {
    const doubled = index % 2 === 1 ? Number(char) * 2 : Number(char);
    return sum + (doubled > 9 ? doubled - 9 : doubled);
  }, 0) %
    10 ===
  0;

const data = generateDemoData();

describe("mulberry32", () => {
  it("is deterministic and uniform enough", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(first).not.toEqual(Array.from({ length: 5 }, mulberry32(43)));
    const next = mulberry32(1);
    const values = Array.from({ length: 10_000 }, () => next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe("generateDemoData", () => {
  it("is deterministic: same seed ⇒ deep-equal output, different seed ⇒ different output", () => {
    expect(generateDemoData()).toEqual(data);
    const small = generateDemoData({ seed: 7, missionCount: 300 });
    expect(generateDemoData({ seed: 7, missionCount: 300 })).toEqual(small);
    const other = generateDemoData({ seed: 8, missionCount: 300 });
    expect(other).not.toEqual(small);
    expect(other.missions.map((m) => m.body.title)).not.toEqual(small.missions.map((m) => m.body.title));
    expect(small.missions).toHaveLength(300);
  });

  it("produces 2,400 missions by default", () => {
    expect(data.missions.length).toBeGreaterThanOrEqual(2_000);
    expect(data.missions).toHaveLength(2_400);
  });

  it("covers every domain", () => {
    const domains = new Set(data.missions.map((m) => m.body.domain));
    for (const domain of DOMAINS) expect(domains, domain).toContain(domain);
  });

  it("covers at least 60 departments, Corsica and overseas", () => {
    const departments = new Set<string>();
    for (const { body } of data.missions) {
      for (const address of body.addresses) {
        const normalized = normalizeAddress(address);
        expect(normalized.departmentCode, `${address.postalCode} ${address.city}`).not.toBeNull();
        departments.add(normalized.departmentCode!);
      }
    }
    expect(departments.size).toBeGreaterThanOrEqual(60);
    expect(departments.has("2A") || departments.has("2B")).toBe(true);
    expect(["971", "972", "973", "974", "976"].some((code) => departments.has(code))).toBe(true);
  });

  it("gives more missions to big cities", () => {
    const byCity = new Map<string, number>();
    for (const { body } of data.missions) byCity.set(body.addresses[0]!.city, (byCity.get(body.addresses[0]!.city) ?? 0) + 1);
    const ranking = [...byCity].sort((a, b) => b[1] - a[1]);
    expect(ranking[0]![0]).toBe("Paris");
    expect(byCity.size).toBeGreaterThan(300);
  });

  it("uses unique clientIds per publisher and only annonceurs publish", () => {
    const annonceurs = new Set(data.publishers.filter((p) => p.isAnnonceur).map((p) => p.key));
    const seen = new Map<string, Set<string>>();
    for (const { publisherKey, body } of data.missions) {
      expect(annonceurs.has(publisherKey)).toBe(true);
      const ids = seen.get(publisherKey) ?? new Set<string>();
      expect(ids.has(body.clientId), body.clientId).toBe(false);
      ids.add(body.clientId);
      seen.set(publisherKey, ids);
    }
    expect([...seen.keys()].sort()).toEqual([...annonceurs].sort());
  });

  it("places every address inside France (metropolitan or overseas) with a 5-digit postal code", () => {
    for (const { body } of data.missions) {
      expect(body.addresses.length).toBeGreaterThanOrEqual(1);
      expect(body.addresses.length).toBeLessThanOrEqual(3);
      for (const address of body.addresses) {
        expect(address.country).toBe("FR");
        expect(address.postalCode).toMatch(/^\d{5}$/);
        expect(inFrance(address.location.lat, address.location.lon), `${address.city} ${JSON.stringify(address.location)}`).toBe(true);
      }
    }
    expect(data.missions.some((m) => m.body.addresses.length > 1)).toBe(true);
  });

  it("lets every diffuseur see at least two annonceurs", () => {
    const byKey = new Map(data.publishers.map((p) => [p.key, p]));
    for (const { diffuseurKey, annonceurKey } of data.diffusion) {
      expect(byKey.get(diffuseurKey)?.isDiffuseur).toBe(true);
      expect(byKey.get(annonceurKey)?.isAnnonceur).toBe(true);
      expect(diffuseurKey).not.toBe(annonceurKey);
    }
    for (const diffuseur of data.publishers.filter((p) => p.isDiffuseur)) {
      const annonceurs = new Set(data.diffusion.filter((d) => d.diffuseurKey === diffuseur.key).map((d) => d.annonceurKey));
      expect(annonceurs.size, diffuseur.key).toBeGreaterThanOrEqual(2);
    }
    expect(data.publishers.filter((p) => p.moderator)).toHaveLength(1);
    expect(data.publishers.every((p) => p.name.endsWith("(démo)") && p.url.endsWith(".example"))).toBe(true);
  });

  it("has a volontariat publisher with mtm tracking and compensated missions", () => {
    const volontariat = data.publishers.find((p) => p.missionType === "volontariat_service_civique");
    expect(volontariat?.trackingPrefix).toBe("mtm");
    for (const { publisherKey, body } of data.missions) {
      if (publisherKey === volontariat!.key) {
        expect(body).toMatchObject({ compensationAmount: 620, compensationUnit: "month", compensationType: "net" });
      } else {
        expect(body.compensationAmount).toBeUndefined();
      }
    }
  });

  it("makes about 3% of the missions fail moderation, never the volontariat ones", () => {
    const refused = data.missions.filter((m) => breaksModeration(m.body));
    const share = refused.length / data.missions.length;
    expect(share).toBeGreaterThan(0.015);
    expect(share).toBeLessThan(0.05);
    expect(refused.some((m) => m.publisherKey === "volontaires-avenir")).toBe(false);
  });

  it("writes varied French titles and HTML descriptions", () => {
    const valid = data.missions.filter((m) => !breaksModeration(m.body));
    for (const { body } of valid) {
      expect(body.title.split(" ").length).toBeGreaterThanOrEqual(2);
      expect(body.description).toContain("<p>");
      expect(body.description).toMatch(/<ul><li>.+<\/li><\/ul>/);
      expect(body.activities.length).toBeGreaterThanOrEqual(1);
      expect(["no", "possible", "full", "local"]).toContain(body.remote);
    }
    expect(new Set(valid.map((m) => m.body.title)).size).toBeGreaterThan(valid.length * 0.6);
    const remote = new Set(data.missions.map((m) => m.body.remote));
    expect([...remote].sort()).toEqual(["full", "local", "no", "possible"]);
    expect(data.missions.filter((m) => m.body.remote === "no").length).toBeGreaterThan(data.missions.length / 2);
  });

  it("reuses a few hundred organisations with valid identifiers", () => {
    const organizations = new Map<string, MissionBody>();
    for (const { publisherKey, body } of data.missions) organizations.set(`${publisherKey}/${body.organizationClientId}`, body);
    expect(organizations.size).toBeGreaterThanOrEqual(100);
    expect(organizations.size).toBeLessThan(1_000);
    for (const body of organizations.values()) {
      expect(body.organizationRNA || body.organizationSiren).toBeTruthy();
      if (body.organizationRNA) expect(body.organizationRNA).toMatch(/^W\d{9}$/);
      if (body.organizationSiren) expect(luhnValid(body.organizationSiren), body.organizationSiren).toBe(true);
      expect(body.organizationUrl).toMatch(/^https:\/\/[a-z0-9-]+\.example$/);
    }
    expect([...organizations.values()].some((b) => (b.organizationReseaux ?? []).length > 0)).toBe(true);
  });

  it("dates missions around the reference date", () => {
    const now = Date.parse(DEMO_REFERENCE_DATE);
    for (const { body } of data.missions) {
      expect(Date.parse(body.postedAt)).toBeLessThanOrEqual(now);
      expect(Date.parse(body.postedAt)).toBeGreaterThan(now - 180 * 86_400_000);
      if (body.endAt) expect(Date.parse(body.endAt)).toBeGreaterThan(Date.parse(body.startAt));
    }
    const shifted = generateDemoData({ missionCount: 50, now: new Date("2030-01-01T00:00:00Z") });
    expect(shifted.missions.every((m) => m.body.postedAt.startsWith("2029") || m.body.postedAt.startsWith("2030"))).toBe(true);
  });
});
