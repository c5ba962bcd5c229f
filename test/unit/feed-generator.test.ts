import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { feedStream, missionClientId, variantClientIds, variantPlan, writeFeedFile, type FeedOptions } from "../../bench/feed-generator.ts";
import { DOMAIN_SLUGS } from "../../src/taxonomy/domains.ts";

const DOMAINS: readonly string[] = DOMAIN_SLUGS;

async function generate(options: FeedOptions): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of feedStream(options)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The `<mission>` elements of a generated feed, as written. */
function missionsOf(xml: string): string[] {
  return xml.match(/<mission>\n[\s\S]*?\n<\/mission>\n/g) ?? [];
}

/** Text of the first `name` element of a mission, as written (CDATA unwrapped, entities kept). */
function field(mission: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(mission);
  return match ? (match[1] ?? match[2]) : undefined;
}

function byClientId(xml: string): Map<string, string> {
  return new Map(missionsOf(xml).map((mission) => [field(mission, "clientId")!, mission]));
}

const SEED = 7;
const base = await generate({ missions: 2_000, seed: SEED });
const baseMissions = missionsOf(base);

describe("feed generator", () => {
  it("writes a well-formed feed with the requested number of missions", () => {
    expect(XMLValidator.validate(base)).toBe(true);
    expect(base.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<source>\n<publisher>')).toBe(true);
    expect(base.endsWith("</source>\n")).toBe(true);
    expect(baseMissions).toHaveLength(2_000);
    // Today's parser sees the same thing.
    const parsed = new XMLParser().parse(base, true) as { source: { mission: unknown[] } };
    expect(parsed.source.mission).toHaveLength(2_000);
    // Every clientId is unique, the way they are written (leading zeros included).
    expect(new Set(baseMissions.map((m) => field(m, "clientId"))).size).toBe(2_000);
  });

  it("is deterministic for a seed and differs between seeds", async () => {
    const again = await generate({ missions: 300, seed: SEED });
    expect(again).toBe(await generate({ missions: 300, seed: SEED }));
    const other = await generate({ missions: 300, seed: SEED + 1 });
    expect(other).not.toBe(again);
    expect(missionsOf(other)).toHaveLength(300);
  });

  it("averages ~2.3 KB per mission (230 MB for 100,000, ± 15%) with ~1 KB HTML descriptions", () => {
    const perMission = Buffer.byteLength(base) / baseMissions.length;
    expect(perMission).toBeGreaterThan(2_300 * 0.85);
    expect(perMission).toBeLessThan(2_300 * 1.15);
    const descriptions = baseMissions.map((m) => Buffer.byteLength(field(m, "description") ?? ""));
    const average = descriptions.reduce((sum, size) => sum + size, 0) / descriptions.length;
    expect(average).toBeGreaterThan(800);
    expect(Math.max(...descriptions)).toBeGreaterThan(2_000);
    // HTML with lists and bold text, in CDATA or (a few) escaped.
    const html = baseMissions.map((m) => field(m, "description")!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
    expect(html.every((d) => /^<p>/.test(d) && d.includes("<ul><li>") && d.includes("<strong>") && d.includes("&nbsp;"))).toBe(true);
    expect(baseMissions.filter((m) => m.includes("<description>&lt;p&gt;")).length).toBeGreaterThan(20);
  });

  it("has the leading zeros, spellings and edge cases of real feeds", () => {
    const clientIds = baseMissions.map((m) => field(m, "clientId")!);
    expect(clientIds.filter((id) => /^0\d+$/.test(id)).length).toBeGreaterThan(500);
    expect(clientIds.filter((id) => /^[1-9]\d*$/.test(id)).length).toBeGreaterThan(500);
    const postalCodes = [...base.matchAll(/<postalCode>(?:<!\[CDATA\[)?(\d{5})/g)].map((m) => m[1]!);
    expect(postalCodes.length).toBeGreaterThan(2_000);
    expect(postalCodes.some((code) => code.startsWith("0"))).toBe(true);
    expect([...base.matchAll(/<organizationSiren>(?:<!\[CDATA\[)?(0\d{8})/g)].length).toBeGreaterThan(0);
    expect([...base.matchAll(/<organizationClientId>(?:<!\[CDATA\[)?(0\d+)/g)].length).toBeGreaterThan(0);

    const startAts = baseMissions.map((m) => field(m, "startAt")!);
    const french = startAts.filter((d) => /^\d{2}\/\d{2}\/\d{4}$/.test(d)).length;
    expect(french / startAts.length).toBeGreaterThan(0.05);
    expect(french / startAts.length).toBeLessThan(0.15);
    expect(startAts.filter((d) => /^\d{4}-\d{2}-\d{2}/.test(d)).length + french).toBe(startAts.length);

    const booleans = baseMissions.map((m) => field(m, "openToMinors")).filter((v) => v !== undefined);
    expect(new Set(booleans)).toEqual(new Set(["yes", "no", "oui", "non"]));
    expect(baseMissions.some((m) => m.includes("<location><lat>"))).toBe(true);
    expect(baseMissions.some((m) => /<address>\n(?:(?!<location>)[\s\S])*?<\/address>/.test(m))).toBe(true);
    expect(baseMissions.some((m) => (m.match(/<address>/g) ?? []).length === 3)).toBe(true);

    const noOrganizationId = baseMissions.filter((m) => !/<organization(ClientId|RNA|Siren)>/.test(m)).length;
    const invalidDomain = baseMissions.filter((m) => !DOMAINS.includes(field(m, "domain")!)).length;
    const negativeCompensation = baseMissions.filter((m) => Number(field(m, "compensationAmount")) < 0).length;
    for (const count of [noOrganizationId, invalidDomain, negativeCompensation]) {
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(60); // a few percent at most
    }
    expect(baseMissions.filter((m) => field(m, "compensationAmount") !== undefined).length).toBeGreaterThan(200);
  });

  it("attaches about one organisation per five missions", () => {
    const names = new Set(baseMissions.map((m) => field(m, "organizationName")));
    expect(names.size).toBeGreaterThan(300);
    expect(names.size).toBeLessThan(500);
  });

  it("makes variants that remove and change an exact, deterministic share", async () => {
    const options: FeedOptions = { missions: 2_000, seed: SEED, variant: { changedShare: 0.1, removedShare: 0.05 } };
    expect(variantPlan(options)).toEqual({ kept: 1_700, changed: 200, removed: 100 });
    const ids = variantClientIds(options);
    expect([ids.kept.length, ids.changed.length, ids.removed.length]).toEqual([1_700, 200, 100]);

    const variant = await generate(options);
    expect(XMLValidator.validate(variant)).toBe(true);
    const before = byClientId(base);
    const after = byClientId(variant);
    const removed = new Set(ids.removed);
    // Same missions, same order, minus the removed ones.
    expect([...after.keys()]).toEqual([...before.keys()].filter((id) => !removed.has(id)));

    for (const id of ids.kept) expect(after.get(id)).toBe(before.get(id));
    for (const id of ids.changed) {
      const old = before.get(id)!;
      const now = after.get(id)!;
      expect(field(now, "title")).not.toBe(field(old, "title"));
      expect(field(now, "description")).not.toBe(field(old, "description"));
      expect(Number(field(now, "places"))).toBeGreaterThan(Number(field(old, "places")));
      // Nothing else moves.
      const rest = (m: string) => m.replace(/<(title|description|places)>[\s\S]*?<\/\1>/g, "");
      expect(rest(now)).toBe(rest(old));
    }
    const differing = [...after].filter(([id, mission]) => before.get(id) !== mission).length;
    expect(differing).toBe(200);

    // A larger share of changes includes the smaller one; no variant = the base feed.
    const more = variantClientIds({ ...options, variant: { changedShare: 0.2, removedShare: 0.05 } });
    expect(more.removed).toEqual(ids.removed);
    expect(ids.changed.every((id) => more.changed.includes(id))).toBe(true);
    expect(variantPlan({ missions: 2_000 })).toEqual({ kept: 2_000, changed: 0, removed: 0 });
    expect(missionClientId(SEED, 0)).toBe(field(baseMissions[0]!, "clientId"));
  });

  it("rejects invalid options", () => {
    expect(() => variantPlan({ missions: -1 })).toThrow(RangeError);
    expect(() => variantPlan({ missions: 10, variant: { changedShare: 1.5, removedShare: 0 } })).toThrow(RangeError);
    expect(() => variantPlan({ missions: 10, variant: { changedShare: 0.6, removedShare: 0.6 } })).toThrow(RangeError);
  });

  it("streams ~64 KB chunks on demand and writes files", async () => {
    const stream = feedStream({ missions: 100_000 });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      if (chunks.length === 3) break; // destroys the stream
    }
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThanOrEqual(64 * 1024);
      expect(chunk.length).toBeLessThan(80 * 1024);
    }
    // Pulled, not pushed: a few chunks were generated, not 230 MB.
    expect(stream.readableLength).toBeLessThan(256 * 1024);
    expect(stream.destroyed).toBe(true);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "feed-generator-"));
    try {
      const file = path.join(dir, "feed.xml");
      const result = await writeFeedFile(file, { missions: 2_000, seed: SEED, variant: { changedShare: 0.1, removedShare: 0.05 } });
      expect(result).toEqual({ bytes: fs.statSync(file).size, missions: 1_900 });
      expect(fs.readFileSync(file, "utf8")).toBe(await generate({ missions: 2_000, seed: SEED, variant: { changedShare: 0.1, removedShare: 0.05 } }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
