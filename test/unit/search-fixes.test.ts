/**
 * Engine and query parsing: `_distance` of the remote=local missions kept outside the circle, and
 * impossible calendar dates refused.
 */
import { describe, expect, it } from "vitest";
import type { HttpError } from "../../src/http/errors.ts";
import { type SearchAddress, type SearchDoc, SearchEngine } from "../../src/search/engine.ts";
import { haversineKm } from "../../src/search/engine-geo.ts";
import { parseSearchQuery } from "../../src/search/query.ts";

const P = "pub";
const CENTRE = { lat: 48.8566, lon: 2.3522 };

/** Point at `km` due east/north-east… of the centre (bearing in degrees). */
function at(km: number, bearingDeg = 90) {
  const δ = km / 6371;
  const θ = (bearingDeg * Math.PI) / 180;
  const φ1 = (CENTRE.lat * Math.PI) / 180;
  const λ1 = (CENTRE.lon * Math.PI) / 180;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: (φ2 * 180) / Math.PI, lon: (λ2 * 180) / Math.PI };
}

const address = (fields: Partial<SearchAddress> = {}): SearchAddress => ({
  city: "Ville",
  departmentName: null,
  departmentCode: null,
  country: "FR",
  lat: null,
  lon: null,
  ...fields,
});

function doc(id: string, startAt: number, remote: string, addresses: SearchAddress[]): SearchDoc {
  return {
    id,
    publisherId: P,
    clientId: id,
    organizationClientId: null,
    organizationName: null,
    organizationRna: null,
    organizationLegalStatus: null,
    parentOrganizations: [],
    domain: null,
    activities: [],
    type: null,
    remote,
    openToMinors: null,
    reducedMobilityAccessible: null,
    snu: false,
    startAt,
    createdAt: 0,
    updatedAt: 0,
    title: `Mission ${id}`,
    description: "",
    addresses,
  };
}

describe("distance of remote=local missions kept outside the circle", () => {
  const engine = new SearchEngine();
  engine.upsert(doc("near", 1, "no", [address(at(5))]));
  engine.upsert(doc("local-in", 2, "local", [address(at(3))]));
  engine.upsert(doc("local-200", 3, "local", [address(at(200))]));
  engine.upsert(doc("local-two", 4, "local", [address(at(300)), address({ city: "Autre", ...at(100, 180) })]));
  engine.upsert(doc("local-none", 5, "local", [address()]));
  engine.upsert(doc("local-noaddr", 6, "local", []));
  engine.upsert(doc("far-no", 7, "no", [address(at(150))]));
  const geo = { ...CENTRE, distanceKm: 25 };
  const search = (extra: Record<string, unknown> = {}) => engine.search({ scopes: [{ publisherId: P, conditions: [] }], skip: 0, limit: 100, geo, ...extra });
  const distances = (extra: Record<string, unknown> = {}) => new Map(search(extra).hits.map((h) => [h.id, h.distanceKm]));

  it("gives every hit with coordinates its nearest address's distance, bypassed ones included", () => {
    const d = distances();
    expect([...d.keys()].sort()).toEqual(["local-200", "local-in", "local-noaddr", "local-none", "local-two", "near"]);
    expect(d.get("near")).toBeCloseTo(5, 6);
    expect(d.get("local-in")).toBeCloseTo(3, 6);
    expect(d.get("local-200")).toBeCloseTo(200, 6);
    expect(d.get("local-two")).toBeCloseTo(100, 6);
    expect(d.get("local-none")).toBeUndefined();
    expect(d.get("local-noaddr")).toBeUndefined();
    expect(d.get("local-200")).toBeCloseTo(haversineKm(CENTRE.lat, CENTRE.lon, at(200).lat, at(200).lon), 6);
  });

  it("measures them on every page and whatever the address filters", () => {
    for (let skip = 0; skip < 6; skip++) {
      const [hit] = search({ skip, limit: 1 }).hits;
      if (hit && hit.id !== "local-none" && hit.id !== "local-noaddr") expect(hit.distanceKm, hit.id).toBeGreaterThan(0);
    }
    // The bypass ignores city/department/country: the distance is to the nearest address anyway.
    const d = distances({ city: ["Nulle-part"] });
    expect(d.get("local-two")).toBeCloseTo(100, 6);
    expect(d.get("local-in")).toBeCloseTo(3, 6);
  });

  it("sorts them by that distance, those without coordinates last (startAt order)", () => {
    const order = ["local-in", "near", "local-two", "local-200", "local-noaddr", "local-none"];
    expect(search({ sort: "distance" }).hits.map((h) => h.id)).toEqual(order);
    expect(search({ sort: "distance", skip: 2, limit: 2 }).hits.map((h) => h.id)).toEqual(order.slice(2, 4));
    // After another geo query (other centre), nothing of the previous one remains.
    engine.search({ scopes: [{ publisherId: P, conditions: [] }], skip: 0, limit: 100, geo: { ...at(200), distanceKm: 1 }, sort: "distance" });
    expect(search({ sort: "distance" }).hits.map((h) => h.id)).toEqual(order);
    expect(distances().get("local-200")).toBeCloseTo(200, 6);
  });

  it("leaves remote=local out when remote excludes it, and gives no distance without a position", () => {
    expect(search({ remote: ["no"] }).hits.map((h) => h.id)).toEqual(["near"]);
    const none = engine.search({ scopes: [{ publisherId: P, conditions: [] }], skip: 0, limit: 100 });
    expect(none.hits.every((h) => h.distanceKm === undefined)).toBe(true);
  });
});

describe("dates of startAt / createdAt / updatedSince", () => {
  const fails = (query: Record<string, string>, param: string) => {
    let error: HttpError | undefined;
    try {
      parseSearchQuery(query);
    } catch (e) {
      error = e as HttpError;
    }
    expect(error, JSON.stringify(query)).toBeDefined();
    expect((error as HttpError).statusCode).toBe(400);
    expect((error as HttpError).message).toContain(`« ${param} »`);
    return (error as HttpError).message;
  };

  it.each([
    ["createdAt", "lt:2025-02-30"],
    ["createdAt", "gt:2025-02-29"],
    ["startAt", "gt:2025-04-31"],
    ["startAt", "lt:2025-06-31T10:00:00Z"],
    ["startAt", "lt:2100-02-29"],
    ["createdAt", "gt:2025-13-01"],
    ["createdAt", "gt:2025-00-10"],
    ["startAt", "<2025-11-31"],
    ["updatedSince", "2025-02-30T00:00:00Z"],
  ])("%s=%s is a 400 naming the parameter", (param, value) => {
    const message = fails({ [param]: value }, param);
    expect(message).toMatch(/date/);
  });

  it("says in French that the day does not exist", () => {
    expect(fails({ createdAt: "lt:2025-02-30" }, "createdAt")).toContain("date inexistante");
  });

  it.each([
    ["createdAt", "lt:2024-02-29", "lt", Date.UTC(2024, 1, 29)],
    ["createdAt", "gt:2000-02-29", "gt", Date.UTC(2000, 1, 29)],
    ["startAt", "gt:2025-02-28T23:59:59Z", "gt", Date.UTC(2025, 1, 28, 23, 59, 59)],
    ["startAt", "lt:2025-04-30T10:00:00.5+02:00", "lt", Date.UTC(2025, 3, 30, 8, 0, 0, 500)],
    ["startAt", ">2025-12-31", "gt", Date.UTC(2025, 11, 31)],
    ["startAt", "<2025-01-31", "lt", Date.UTC(2025, 0, 31)],
  ])("%s=%s is still accepted", (param, value, op, ms) => {
    const req = parseSearchQuery({ [param]: value });
    expect(req.filters[param as "startAt" | "createdAt"]).toEqual({ op, value: ms });
  });
});
