import { foldText } from "../../src/taxonomy/slug.ts";
import { describe, expect, it } from "vitest";
import { type Condition, type EngineQuery, type EngineResult, type FacetBucket, type Scope, type SearchAddress, type SearchDoc, SearchEngine } from "../../src/search/engine.ts";
import { chord2OfKm, haversineKm, kmOfChord2, unitVector } from "../../src/search/engine-geo.ts";
import { analyzeQuery, forEachWord, wordKeys } from "../../src/search/text.ts";

// --- helpers ----------------------------------------------------------------------------------------

const P1 = "pub-1";
const P2 = "pub-2";
const P3 = "pub-3";

function doc(id: string, fields: Partial<SearchDoc> = {}): SearchDoc {
  return {
    id,
    publisherId: P1,
    clientId: `client-${id}`,
    organizationClientId: null,
    organizationName: null,
    organizationRna: null,
    organizationLegalStatus: null,
    parentOrganizations: [],
    domain: null,
    activities: [],
    type: null,
    remote: null,
    openToMinors: null,
    reducedMobilityAccessible: null,
    snu: false,
    startAt: null,
    createdAt: 0,
    updatedAt: 0,
    title: `Mission ${id}`,
    description: "",
    addresses: [],
    ...fields,
  };
}

function address(fields: Partial<SearchAddress> = {}): SearchAddress {
  return { city: null, departmentName: null, departmentCode: null, country: "FR", lat: null, lon: null, ...fields };
}

const ALL: Scope[] = [P1, P2, P3].map((publisherId) => ({ publisherId, conditions: [] }));

function engineWith(docs: SearchDoc[]): SearchEngine {
  const engine = new SearchEngine();
  for (const d of docs) engine.upsert(d);
  return engine;
}

function run(engine: SearchEngine, query: Partial<EngineQuery> = {}): EngineResult {
  return engine.search({ scopes: ALL, skip: 0, limit: 1000, ...query });
}

/** Ids of the result, in order. */
function ids(engine: SearchEngine, query: Partial<EngineQuery> = {}): string[] {
  return run(engine, query).hits.map((h) => h.id);
}

/** Ids of the result, sorted (for set comparisons). */
function idSet(engine: SearchEngine, query: Partial<EngineQuery> = {}): string[] {
  return ids(engine, query).sort();
}

const R = 6371;
const rad = (d: number) => (d * Math.PI) / 180;
/** Independent haversine (km). */
function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}
/** The point `km` away from (lat, lon) along `bearing` degrees (great circle). */
function destination(lat: number, lon: number, km: number, bearing: number): { lat: number; lon: number } {
  const d = km / R;
  const p1 = rad(lat);
  const t = rad(bearing);
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t));
  const l2 = rad(lon) + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return { lat: (p2 * 180) / Math.PI, lon: (l2 * 180) / Math.PI };
}

// --- value filters ----------------------------------------------------------------------------------

describe("value filters", () => {
  const engine = engineWith([
    doc("a", { domain: "sante", type: "benevolat", remote: "no", clientId: "A1", publisherId: P1, organizationRna: "W111", organizationLegalStatus: "Association", activities: ["Soutien scolaire", "Animation"], openToMinors: true, reducedMobilityAccessible: false, snu: true }),
    doc("b", { domain: "sport", type: "volontariat_service_civique", remote: "full", clientId: "B1", publisherId: P2, organizationRna: "W222", organizationLegalStatus: "Fondation", activities: ["Animation"], openToMinors: false, reducedMobilityAccessible: true }),
    doc("c", { domain: "Sante", type: null, remote: "possible", clientId: "C1", publisherId: P3, organizationRna: null, activities: [], openToMinors: null }),
    doc("d", { domain: "culture", type: "benevolat", remote: "local", clientId: "D1", publisherId: P1, activities: ["Accueil"], snu: false }),
  ]);

  it("matches one value exactly and case-sensitively", () => {
    expect(idSet(engine, { domain: ["sante"] })).toEqual(["a"]);
    expect(idSet(engine, { domain: ["Sante"] })).toEqual(["c"]);
    expect(idSet(engine, { type: ["benevolat"] })).toEqual(["a", "d"]);
    expect(idSet(engine, { remote: ["full"] })).toEqual(["b"]);
    expect(idSet(engine, { clientId: ["C1"] })).toEqual(["c"]);
    expect(idSet(engine, { publisher: [P2] })).toEqual(["b"]);
    expect(idSet(engine, { organizationRNA: ["W111"] })).toEqual(["a"]);
    expect(idSet(engine, { organizationStatusJuridique: ["Fondation"] })).toEqual(["b"]);
    expect(idSet(engine, { activity: ["Animation"] })).toEqual(["a", "b"]);
    expect(idSet(engine, { activity: ["animation"] })).toEqual([]);
  });

  it("matches any of several values", () => {
    expect(idSet(engine, { domain: ["sante", "sport", "unknown"] })).toEqual(["a", "b"]);
    expect(idSet(engine, { type: ["volontariat_service_civique", "benevolat"] })).toEqual(["a", "b", "d"]);
    expect(idSet(engine, { remote: ["no", "local"] })).toEqual(["a", "d"]);
    expect(idSet(engine, { clientId: ["A1", "D1"] })).toEqual(["a", "d"]);
    expect(idSet(engine, { publisher: [P1, P3] })).toEqual(["a", "c", "d"]);
    expect(idSet(engine, { organizationRNA: ["W111", "W222"] })).toEqual(["a", "b"]);
    expect(idSet(engine, { organizationStatusJuridique: ["Association", "Fondation"] })).toEqual(["a", "b"]);
    expect(idSet(engine, { activity: ["Accueil", "Soutien scolaire"] })).toEqual(["a", "d"]);
  });

  it("treats an absent or empty value list as no filter", () => {
    expect(idSet(engine, { domain: [] })).toEqual(["a", "b", "c", "d"]);
    expect(idSet(engine, {})).toEqual(["a", "b", "c", "d"]);
  });

  it("filters booleans and snu", () => {
    expect(idSet(engine, { openToMinors: true })).toEqual(["a"]);
    expect(idSet(engine, { openToMinors: false })).toEqual(["b"]);
    expect(idSet(engine, { reducedMobilityAccessible: true })).toEqual(["b"]);
    expect(idSet(engine, { reducedMobilityAccessible: false })).toEqual(["a"]);
    expect(idSet(engine, { snu: true })).toEqual(["a"]);
  });

  it("ANDs different filters", () => {
    expect(idSet(engine, { type: ["benevolat"], remote: ["local"] })).toEqual(["d"]);
    expect(idSet(engine, { publisher: [P1], activity: ["Animation"] })).toEqual(["a"]);
    expect(idSet(engine, { publisher: [P2], domain: ["sante"] })).toEqual([]);
  });

  it("applies the publisher filter inside the visible scopes", () => {
    expect(idSet(engine, { scopes: [{ publisherId: P1, conditions: [] }], publisher: [P1, P2] })).toEqual(["a", "d"]);
    expect(idSet(engine, { scopes: [{ publisherId: P1, conditions: [] }], publisher: [P2] })).toEqual([]);
  });
});

describe("date filters", () => {
  const engine = engineWith([
    doc("a", { startAt: 100, createdAt: 10, updatedAt: 1000 }),
    doc("b", { startAt: 200, createdAt: 20, updatedAt: 2000 }),
    doc("c", { startAt: null, createdAt: 30, updatedAt: 3000 }),
  ]);

  it("gt is strictly after, lt strictly before, null never matches", () => {
    expect(idSet(engine, { startAt: { op: "gt", value: 100 } })).toEqual(["b"]);
    expect(idSet(engine, { startAt: { op: "gt", value: 99 } })).toEqual(["a", "b"]);
    expect(idSet(engine, { startAt: { op: "lt", value: 200 } })).toEqual(["a"]);
    expect(idSet(engine, { startAt: { op: "lt", value: 201 } })).toEqual(["a", "b"]);
    expect(idSet(engine, { createdAt: { op: "gt", value: 10 } })).toEqual(["b", "c"]);
    expect(idSet(engine, { createdAt: { op: "lt", value: 30 } })).toEqual(["a", "b"]);
  });

  it("updatedSince keeps updatedAt > value", () => {
    expect(idSet(engine, { updatedSince: 2000 })).toEqual(["c"]);
    expect(idSet(engine, { updatedSince: 999 })).toEqual(["a", "b", "c"]);
  });
});

// --- visibility -------------------------------------------------------------------------------------

describe("scopes and conditions", () => {
  const engine = engineWith([
    doc("a", { publisherId: P1, organizationClientId: "org-1", parentOrganizations: ["Croix", "Secours"], type: "benevolat" }),
    doc("b", { publisherId: P1, organizationClientId: "org-2", parentOrganizations: ["Secours"], type: "volontariat_service_civique" }),
    doc("c", { publisherId: P1, organizationClientId: null, parentOrganizations: [], type: null }),
    doc("d", { publisherId: P2, organizationClientId: "org-1", parentOrganizations: ["Croix"], type: "benevolat" }),
    doc("e", { publisherId: P3, organizationClientId: "org-10", type: "benevolat" }),
  ]);
  const scoped = (...conditions: Condition[]) => idSet(engine, { scopes: [{ publisherId: P1, conditions }] });

  it("shows nothing without scopes, and the union of scopes", () => {
    expect(idSet(engine, { scopes: [] })).toEqual([]);
    expect(idSet(engine, { scopes: [{ publisherId: P2, conditions: [] }] })).toEqual(["d"]);
    expect(idSet(engine, { scopes: [{ publisherId: P2, conditions: [] }, { publisherId: P3, conditions: [] }] })).toEqual(["d", "e"]);
    expect(idSet(engine, { scopes: [{ publisherId: "unknown", conditions: [] }] })).toEqual([]);
  });

  it("organizationClientId: is / is_not (null included) / contains / does_not_contain / exists / does_not_exist", () => {
    expect(scoped({ field: "organizationClientId", operator: "is", value: "org-1" })).toEqual(["a"]);
    expect(scoped({ field: "organizationClientId", operator: "is_not", value: "org-1" })).toEqual(["b", "c"]);
    expect(scoped({ field: "organizationClientId", operator: "is", value: "org" })).toEqual([]);
    expect(scoped({ field: "organizationClientId", operator: "contains", value: "org-" })).toEqual(["a", "b"]);
    expect(scoped({ field: "organizationClientId", operator: "contains", value: "-2" })).toEqual(["b"]);
    expect(scoped({ field: "organizationClientId", operator: "does_not_contain", value: "-2" })).toEqual(["a", "c"]);
    expect(scoped({ field: "organizationClientId", operator: "exists", value: "" })).toEqual(["a", "b"]);
    expect(scoped({ field: "organizationClientId", operator: "does_not_exist", value: "" })).toEqual(["c"]);
  });

  it("parentOrganizations: is/contains = has the element, is_not/does_not_contain = has not, exists/does_not_exist", () => {
    expect(scoped({ field: "parentOrganizations", operator: "is", value: "Croix" })).toEqual(["a"]);
    expect(scoped({ field: "parentOrganizations", operator: "contains", value: "Secours" })).toEqual(["a", "b"]);
    expect(scoped({ field: "parentOrganizations", operator: "contains", value: "Secour" })).toEqual([]);
    expect(scoped({ field: "parentOrganizations", operator: "is_not", value: "Croix" })).toEqual(["b", "c"]);
    expect(scoped({ field: "parentOrganizations", operator: "does_not_contain", value: "Secours" })).toEqual(["c"]);
    expect(scoped({ field: "parentOrganizations", operator: "exists", value: "" })).toEqual(["a", "b"]);
    expect(scoped({ field: "parentOrganizations", operator: "does_not_exist", value: "" })).toEqual(["c"]);
  });

  it("type conditions", () => {
    expect(scoped({ field: "type", operator: "is", value: "benevolat" })).toEqual(["a"]);
    expect(scoped({ field: "type", operator: "is_not", value: "benevolat" })).toEqual(["b", "c"]);
    expect(scoped({ field: "type", operator: "contains", value: "volontariat" })).toEqual(["b"]);
    expect(scoped({ field: "type", operator: "exists", value: "" })).toEqual(["a", "b"]);
    expect(scoped({ field: "type", operator: "does_not_exist", value: "" })).toEqual(["c"]);
  });

  it("ANDs the conditions of a scope and ORs the scopes", () => {
    expect(
      scoped({ field: "parentOrganizations", operator: "contains", value: "Secours" }, { field: "organizationClientId", operator: "is_not", value: "org-1" }),
    ).toEqual(["b"]);
    expect(
      idSet(engine, {
        scopes: [
          { publisherId: P1, conditions: [{ field: "organizationClientId", operator: "is", value: "org-2" }] },
          { publisherId: P2, conditions: [{ field: "parentOrganizations", operator: "is_not", value: "Croix" }] },
          { publisherId: P3, conditions: [{ field: "type", operator: "is", value: "benevolat" }] },
        ],
      }),
    ).toEqual(["b", "e"]);
  });

  it("recomputes the visible missions after every change (visibility cache)", () => {
    const e = engineWith([doc("a", { publisherId: P1 }), doc("b", { publisherId: P2 })]);
    const scopes = [{ publisherId: P1, conditions: [{ field: "type", operator: "is_not", value: "x" }] as Condition[] }];
    expect(idSet(e, { scopes })).toEqual(["a"]);
    expect(idSet(e, { scopes })).toEqual(["a"]);
    e.upsert(doc("c", { publisherId: P1 }));
    expect(idSet(e, { scopes })).toEqual(["a", "c"]);
    e.upsert(doc("c", { publisherId: P1, type: "x" }));
    expect(idSet(e, { scopes })).toEqual(["a"]);
    e.remove("a");
    expect(idSet(e, { scopes })).toEqual([]);
    const uncached = engineWith([doc("a", { publisherId: P1 })]);
    expect(new SearchEngine({ visibilityCacheSize: 0 }).search({ scopes, skip: 0, limit: 10 }).total).toBe(0);
    expect(idSet(uncached, { scopes })).toEqual(["a"]);
  });

  it("onlyIds restricts the visible result", () => {
    expect(idSet(engine, { onlyIds: new Set(["a", "d", "zz"]) })).toEqual(["a", "d"]);
    expect(idSet(engine, { onlyIds: new Set(["a", "d"]), scopes: [{ publisherId: P2, conditions: [] }] })).toEqual(["d"]);
    expect(idSet(engine, { onlyIds: new Set() })).toEqual([]);
    // The same Set instance again, after a change in the engine (cache invalidation).
    const only = new Set(["a", "b"]);
    expect(idSet(engine, { onlyIds: only })).toEqual(["a", "b"]);
    const copy = engineWith([doc("a"), doc("b"), doc("c")]);
    expect(idSet(copy, { onlyIds: only })).toEqual(["a", "b"]);
    copy.remove("a");
    expect(idSet(copy, { onlyIds: only })).toEqual(["b"]);
    copy.upsert(doc("a"));
    expect(idSet(copy, { onlyIds: only })).toEqual(["a", "b"]);
    // Freed slots reused by other missions, and growth of the capacity, keep the set exact.
    copy.remove("b");
    copy.compact();
    copy.upsert(doc("x"));
    for (let i = 0; i < 40; i++) copy.upsert(doc(`g${i}`));
    expect(idSet(copy, { onlyIds: only })).toEqual(["a"]);
    copy.upsert(doc("b"));
    expect(idSet(copy, { onlyIds: only })).toEqual(["a", "b"]);
  });
});

// --- addresses and geo ------------------------------------------------------------------------------

describe("address filters", () => {
  const engine = engineWith([
    doc("multi", { addresses: [address({ city: "Lyon", departmentName: "Rhône", country: "FR" }), address({ city: "Paris", departmentName: "Paris", country: "FR" })] }),
    doc("paris", { addresses: [address({ city: "Paris", departmentName: "Paris", country: "FR" })] }),
    doc("geneve", { addresses: [address({ city: "Genève", departmentName: null, country: "CH" })] }),
    doc("none", { addresses: [] }),
  ]);

  it("matches city, department and country values, any of several", () => {
    expect(idSet(engine, { city: ["Paris"] })).toEqual(["multi", "paris"]);
    expect(idSet(engine, { city: ["paris"] })).toEqual([]);
    expect(idSet(engine, { city: ["Lyon", "Genève"] })).toEqual(["geneve", "multi"]);
    expect(idSet(engine, { departmentName: ["Rhône"] })).toEqual(["multi"]);
    expect(idSet(engine, { departmentName: ["Rhône", "Paris"] })).toEqual(["multi", "paris"]);
    expect(idSet(engine, { country: ["CH"] })).toEqual(["geneve"]);
    expect(idSet(engine, { country: ["FR", "CH"] })).toEqual(["geneve", "multi", "paris"]);
  });

  it("requires every address filter to hold on the same address", () => {
    expect(idSet(engine, { city: ["Lyon"], departmentName: ["Paris"] })).toEqual([]);
    expect(idSet(engine, { city: ["Lyon"], departmentName: ["Rhône"] })).toEqual(["multi"]);
    expect(idSet(engine, { city: ["Paris", "Lyon"], departmentName: ["Paris"], country: ["FR"] })).toEqual(["multi", "paris"]);
    expect(idSet(engine, { city: ["Genève"], country: ["FR"] })).toEqual([]);
  });

  it("does not bypass address filters for remote=local missions without geo", () => {
    const e = engineWith([doc("local", { remote: "local", addresses: [address({ city: "Lille" })] }), doc("paris", { addresses: [address({ city: "Paris" })] })]);
    expect(idSet(e, { city: ["Paris"] })).toEqual(["paris"]);
  });
});

describe("geo", () => {
  const center = { lat: 48.8566, lon: 2.3522 };
  // Diagonal points (bearing 45°): a bounding box of ±25 km would hold them all.
  const in249 = destination(center.lat, center.lon, 24.9, 45);
  const out251 = destination(center.lat, center.lon, 25.1, 45);
  const out30 = destination(center.lat, center.lon, 30, 225);
  const near5 = destination(center.lat, center.lon, 5, 90);
  const near12 = destination(center.lat, center.lon, 12, 180);
  const far = destination(center.lat, center.lon, 300, 0);

  it("measures the great-circle distance from unit vectors exactly as haversine does", () => {
    const rnd = mulberry32(7);
    const a = new Float64Array(3);
    const b = new Float64Array(3);
    for (let i = 0; i < 2000; i++) {
      const lat1 = rnd() * 180 - 90;
      const lon1 = rnd() * 360 - 180;
      // Near and far pairs.
      const lat2 = i % 2 ? lat1 + (rnd() - 0.5) * 0.5 : rnd() * 180 - 90;
      const lon2 = i % 2 ? lon1 + (rnd() - 0.5) * 0.5 : rnd() * 360 - 180;
      unitVector(lat1, lon1, a, 0);
      unitVector(lat2, lon2, b, 0);
      const c2 = (a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2 + (a[2]! - b[2]!) ** 2;
      const km = haversineKm(lat1, lon1, lat2, lon2);
      expect(kmOfChord2(c2)).toBeCloseTo(km, 6);
      expect(km).toBeCloseTo(haversine(lat1, lon1, lat2, lon2), 6);
      expect(c2 <= chord2OfKm(km + 1e-6)).toBe(true);
      expect(c2 <= chord2OfKm(km - 1e-3)).toBe(false);
    }
  });

  it("test points are where they should be", () => {
    expect(haversine(center.lat, center.lon, in249.lat, in249.lon)).toBeCloseTo(24.9, 6);
    expect(haversine(center.lat, center.lon, out251.lat, out251.lon)).toBeCloseTo(25.1, 6);
    // …and inside the legacy bounding box (lat ± d/111.32, lon ± d/(111.32·cos lat)).
    for (const p of [out251, out30]) {
      expect(Math.abs(p.lat - center.lat)).toBeLessThan(25 / 111.32);
      expect(Math.abs(p.lon - center.lon)).toBeLessThan(25 / (111.32 * Math.cos(rad(center.lat))));
    }
  });

  const engine = engineWith([
    doc("in249", { startAt: 5, addresses: [address({ city: "A", ...in249 })] }),
    doc("out251", { startAt: 4, addresses: [address({ city: "B", ...out251 })] }),
    doc("out30", { startAt: 3, addresses: [address({ city: "C", ...out30 })] }),
    doc("two", { startAt: 2, addresses: [address({ city: "Far", ...far }), address({ city: "Near12", ...near12 }), address({ city: "Near5", ...near5 })] }),
    doc("nocoords", { startAt: 1, addresses: [address({ city: "Paris", departmentName: "Paris" })] }),
    doc("local", { startAt: 6, remote: "local", addresses: [address({ city: "Far", ...far })] }),
    doc("localnear", { startAt: 7, remote: "local", addresses: [address({ city: "Near5", ...near5 })] }),
    doc("nolocal", { startAt: 8, remote: "no", addresses: [address({ city: "Far", ...far })] }),
  ]);
  const geo = { ...center, distanceKm: 25 };

  it("is a true circle: 24.9 km in, 25.1 km and 30 km (diagonal) out", () => {
    expect(idSet(engine, { geo })).toEqual(["in249", "local", "localnear", "two"]);
    expect(idSet(engine, { geo: { ...center, distanceKm: 25.2 } })).toEqual(["in249", "local", "localnear", "out251", "two"]);
    expect(idSet(engine, { geo: { ...center, distanceKm: 30.1 } })).toEqual(["in249", "local", "localnear", "out251", "out30", "two"]);
    expect(idSet(engine, { geo: { ...center, distanceKm: 24.8 } })).toEqual(["local", "localnear", "two"]);
    expect(idSet(engine, { geo, remote: ["possible", "no", "full"] })).toEqual([]);
  });

  it("gives distanceKm to the nearest address with coordinates satisfying the filters", () => {
    const r = run(engine, { geo });
    const byId = new Map(r.hits.map((h) => [h.id, h.distanceKm]));
    expect(byId.get("in249")).toBeCloseTo(24.9, 4);
    expect(byId.get("two")).toBeCloseTo(5, 4);
    expect(byId.get("localnear")).toBeCloseTo(5, 4);
    expect(byId.has("local")).toBe(true);
    expect(byId.get("local")).toBeCloseTo(300, 4);
    // With a city filter, the nearest address *of that city* counts.
    const cityOnly = run(engine, { geo, city: ["Near12"], remote: ["no"] });
    expect(cityOnly.hits).toHaveLength(0);
    const twoNear12 = run(engine, { geo, city: ["Near12"] });
    expect(twoNear12.hits.map((h) => h.id).sort()).toEqual(["local", "localnear", "two"]);
    expect(twoNear12.hits.find((h) => h.id === "two")?.distanceKm).toBeCloseTo(12, 4);
    expect(twoNear12.hits.find((h) => h.id === "localnear")?.distanceKm).toBeCloseTo(5, 4);
  });

  it("never matches an address without coordinates", () => {
    expect(idSet(engine, { geo: { ...center, distanceKm: 20_000 }, city: ["Paris"] })).toEqual(["local", "localnear"]);
  });

  it("ORs the whole address clause with remote=local when geo is set and remote is absent or has local", () => {
    // remote absent: local missions match whatever their addresses.
    expect(idSet(engine, { geo })).toEqual(["in249", "local", "localnear", "two"]);
    // remote with local: same.
    expect(idSet(engine, { geo, remote: ["local"] })).toEqual(["local", "localnear"]);
    // remote without local: no bypass (and the remote filter applies).
    expect(idSet(engine, { geo, remote: ["no"] })).toEqual([]);
    expect(idSet(engine, { geo: { ...center, distanceKm: 400 }, remote: ["no"] })).toEqual(["nolocal"]);
    // The bypass covers city/department/country too.
    expect(idSet(engine, { geo, departmentName: ["Nowhere"] })).toEqual(["local", "localnear"]);
  });

  it("sorts by distance ASC, missions without distance last, then startAt order", () => {
    expect(ids(engine, { geo, sort: "distance" })).toEqual(["localnear", "two", "in249", "local"]);
    // Equal distances: startAt order.
    const p = destination(center.lat, center.lon, 3, 10);
    const e = engineWith([
      doc("x", { startAt: 1, addresses: [address(p)] }),
      doc("y", { startAt: 3, addresses: [address(p)] }),
      doc("z", { startAt: null, addresses: [address(p)] }),
      doc("w", { startAt: 2, remote: "local" }),
      doc("v", { startAt: 5, remote: "local" }),
    ]);
    expect(ids(e, { geo, sort: "distance" })).toEqual(["z", "y", "x", "v", "w"]);
    expect(ids(e, { geo, sort: "distance", skip: 2, limit: 2 })).toEqual(["x", "v"]);
  });

  it("works across the antimeridian and near a pole", () => {
    const e = engineWith([
      doc("east", { addresses: [address({ lat: -17.5, lon: 179.95 })] }),
      doc("west", { addresses: [address({ lat: -17.5, lon: -179.95 })] }),
      doc("pole", { addresses: [address({ lat: 89.95, lon: 10 })] }),
      doc("pole2", { addresses: [address({ lat: 89.95, lon: -170 })] }),
    ]);
    expect(idSet(e, { geo: { lat: -17.5, lon: 179.99, distanceKm: 20 } })).toEqual(["east", "west"]);
    expect(idSet(e, { geo: { lat: 90, lon: 0, distanceKm: 10 } })).toEqual(["pole", "pole2"]);
  });
});

// --- sorts and pagination ---------------------------------------------------------------------------

describe("sorts and pagination", () => {
  const engine = engineWith([
    doc("b", { startAt: 100, createdAt: 5, updatedAt: 50 }),
    doc("a", { startAt: 100, createdAt: 5, updatedAt: 70 }),
    doc("n2", { startAt: null, createdAt: 9, updatedAt: 10 }),
    doc("n1", { startAt: null, createdAt: 1, updatedAt: 10 }),
    doc("c", { startAt: 300, createdAt: 7, updatedAt: 60 }),
    doc("d", { startAt: 50, createdAt: 8, updatedAt: 90 }),
  ]);

  it("defaults to startAt DESC with NULL first, then id ASC", () => {
    const expected = ["n1", "n2", "c", "a", "b", "d"];
    expect(ids(engine)).toEqual(expected);
    expect(ids(engine, { sort: "startAt" })).toEqual(expected);
    expect(ids(engine, { sort: "relevance" })).toEqual(expected);
    expect(ids(engine, { sort: "distance" })).toEqual(expected);
  });

  it("sorts by createdAt or updatedAt DESC, then id", () => {
    expect(ids(engine, { sort: "createdAt" })).toEqual(["n2", "d", "c", "a", "b", "n1"]);
    expect(ids(engine, { sort: "updatedAt" })).toEqual(["d", "a", "c", "b", "n1", "n2"]);
  });

  it("paginates with skip and limit; total is the whole result", () => {
    const r = run(engine, { skip: 2, limit: 3 });
    expect(r.total).toBe(6);
    expect(r.hits.map((h) => h.id)).toEqual(["c", "a", "b"]);
    expect(ids(engine, { skip: 5, limit: 10 })).toEqual(["d"]);
    expect(ids(engine, { skip: 6, limit: 10 })).toEqual([]);
    expect(run(engine, { skip: 0, limit: 0 })).toEqual({ total: 6, hits: [] });
    expect(ids(engine, { sort: "createdAt", skip: 1, limit: 2 })).toEqual(["d", "c"]);
    expect(ids(engine, { skip: 0, limit: Number.MAX_SAFE_INTEGER })).toEqual(["n1", "n2", "c", "a", "b", "d"]);
  });

  it("keeps the order up to date after inserts and removals", () => {
    const e = engineWith([doc("a", { startAt: 1 }), doc("b", { startAt: 2 })]);
    expect(ids(e)).toEqual(["b", "a"]);
    e.upsert(doc("c", { startAt: 3 }));
    e.upsert(doc("a", { startAt: 4 }));
    expect(ids(e)).toEqual(["a", "c", "b"]);
    e.remove("c");
    e.upsert(doc("d", { startAt: null }));
    expect(ids(e)).toEqual(["d", "a", "b"]);
    e.compact();
    e.upsert(doc("e", { startAt: 3 }));
    expect(ids(e)).toEqual(["d", "a", "e", "b"]);
  });
});

// --- facets -----------------------------------------------------------------------------------------

describe("facets", () => {
  const engine = engineWith([
    doc("a", { organizationName: "Les Amis ", domain: "sante", publisherId: P1, remote: "no", type: "benevolat", activities: ["Animation", "Animation", "Accueil"], addresses: [address({ departmentName: "Paris" }), address({ departmentName: "Rhône" })] }),
    doc("b", { organizationName: "Les Amis", domain: "sante", publisherId: P2, remote: "no", type: "benevolat", activities: ["Accueil"], addresses: [address({ departmentName: "Rhône" })] }),
    doc("c", { domain: "sport", publisherId: P2, remote: null, type: null, activities: [], addresses: [address({ departmentName: null }), address({ departmentName: "Paris" })] }),
    doc("d", { domain: null, publisherId: P3, remote: "full", type: "volontariat_service_civique", activities: ["Animation"], addresses: [] }),
  ]);
  const bucket = (key: string, n: number): FacetBucket => ({ key, doc_count: n });

  it("counts over the whole result, not the page", () => {
    const r = run(engine, { limit: 1, facets: true });
    expect(r.hits).toHaveLength(1);
    expect(r.total).toBe(4);
    expect(r.facets).toEqual({
      domains: [bucket("sante", 2), bucket("sport", 1)],
      activities: [bucket("Accueil", 2), bucket("Animation", 2)],
      departmentName: [bucket("Paris", 1), bucket("Rhône", 1)],
      publishers: [bucket(P2, 2), bucket(P1, 1), bucket(P3, 1)],
      remote: [bucket("no", 2), bucket("full", 1)],
      type: [bucket("benevolat", 2), bucket("volontariat_service_civique", 1)],
      organizations: [bucket("Les Amis", 2)],
      schedule: [],
      actions: [],
      beneficiaries: [],
    });
  });

  it("counts a filtered result (small and large results take different paths)", () => {
    const r = run(engine, { publisher: [P2], facets: true, limit: 0 });
    expect(r.facets?.domains).toEqual([bucket("sante", 1), bucket("sport", 1)]);
    expect(r.facets?.departmentName).toEqual([bucket("Rhône", 1)]);
    expect(r.facets?.activities).toEqual([bucket("Accueil", 1)]);
    const big = run(engine, { publisher: [P1, P2, P3], domain: ["sante", "sport"], facets: true, limit: 0 });
    expect(big.total).toBe(3);
    expect(big.facets?.publishers).toEqual([bucket(P2, 2), bucket(P1, 1)]);
    expect(big.facets?.remote).toEqual([bucket("no", 2)]);
    expect(big.facets?.activities).toEqual([bucket("Accueil", 2), bucket("Animation", 1)]);
  });

  it("counts only the facets asked, and keeps a facet to its largest buckets plus the values kept", () => {
    const only = run(engine, { facets: true, facetFields: ["domains"] }).facets;
    expect(only?.domains).toEqual([bucket("sante", 2), bucket("sport", 1)]);
    expect(only?.publishers).toEqual([]);
    expect(only?.activities).toEqual([]);
    const full = run(engine, { facets: true }).facets!;
    const limited = run(engine, { facets: true, facetLimits: { publishers: { size: 1 }, activities: { size: 1, keep: ["Animation", "inconnue"] }, domains: { size: 0, keep: ["sport"] } } }).facets!;
    expect(limited.publishers).toEqual(full.publishers.slice(0, 1));
    expect(limited.activities).toEqual([bucket("Accueil", 2), bucket("Animation", 2)]);
    expect(limited.domains).toEqual([bucket("sport", 1)]);
    expect(limited.remote).toEqual(full.remote);
    // Over the complement (a result larger than half the catalogue) too.
    const big = run(engine, { publisher: [P1, P2, P3], facets: true, facetLimits: { type: { size: 1 } } }).facets!;
    expect(big.type).toEqual([bucket("benevolat", 2)]);
  });

  it("is absent unless asked, and empty for an empty result", () => {
    expect(run(engine).facets).toBeUndefined();
    const empty = run(engine, { domain: ["none"], facets: true });
    expect(empty.facets).toEqual({ domains: [], activities: [], departmentName: [], publishers: [], remote: [], type: [], organizations: [], schedule: [], actions: [], beneficiaries: [] });
  });
});

// --- writes -----------------------------------------------------------------------------------------

describe("upsert, remove, slots", () => {
  const original = doc("m", {
    publisherId: P1,
    clientId: "old-client",
    domain: "sante",
    type: "benevolat",
    remote: "local",
    activities: ["Animation"],
    organizationClientId: "org-old",
    organizationRna: "W-old",
    organizationLegalStatus: "Association",
    parentOrganizations: ["Vieux réseau"],
    openToMinors: true,
    snu: true,
    startAt: 1,
    title: "Ancien titre xylophone",
    description: "harmonica",
    organizationName: "Anciens amis",
    addresses: [address({ city: "Lille", departmentName: "Nord", country: "FR", lat: 50.63, lon: 3.06 })],
  });
  const replacement = doc("m", {
    publisherId: P2,
    clientId: "new-client",
    domain: "sport",
    type: "volontariat_service_civique",
    remote: "no",
    activities: ["Accueil"],
    organizationClientId: "org-new",
    organizationRna: "W-new",
    organizationLegalStatus: "Fondation",
    parentOrganizations: ["Nouveau réseau"],
    openToMinors: false,
    snu: false,
    startAt: 2,
    title: "Nouveau titre violon",
    description: "trompette",
    organizationName: "Nouveaux amis",
    addresses: [address({ city: "Nice", departmentName: "Alpes-Maritimes", country: "FR", lat: 43.7, lon: 7.27 })],
  });

  it("replaces a doc: old values are gone from every index", () => {
    const engine = engineWith([original, doc("other", { publisherId: P3 })]);
    expect(idSet(engine, { keywords: "xylophone" })).toEqual(["m"]);
    engine.upsert(replacement);
    expect(engine.size).toBe(2);
    const gone: Partial<EngineQuery>[] = [
      { publisher: [P1] },
      { clientId: ["old-client"] },
      { domain: ["sante"] },
      { type: ["benevolat"] },
      { remote: ["local"] },
      { activity: ["Animation"] },
      { organizationRNA: ["W-old"] },
      { organizationStatusJuridique: ["Association"] },
      { openToMinors: true },
      { snu: true },
      { city: ["Lille"] },
      { departmentName: ["Nord"] },
      { keywords: "xylophone" },
      { keywords: "harmonica" },
      { keywords: "anciens" },
      { keywords: "Lille" },
      { geo: { lat: 50.63, lon: 3.06, distanceKm: 10 }, remote: ["no", "possible"] },
      { scopes: [{ publisherId: P2, conditions: [{ field: "organizationClientId", operator: "is", value: "org-old" }] }] },
      { scopes: [{ publisherId: P2, conditions: [{ field: "parentOrganizations", operator: "is", value: "Vieux réseau" }] }] },
      { scopes: [{ publisherId: P1, conditions: [] }] },
    ];
    for (const q of gone) expect(idSet(engine, q), JSON.stringify(q)).toEqual([]);
    const found: Partial<EngineQuery>[] = [
      { publisher: [P2] },
      { clientId: ["new-client"] },
      { domain: ["sport"] },
      { activity: ["Accueil"] },
      { city: ["Nice"] },
      { keywords: "violon trompette nouveaux nice" },
      { geo: { lat: 43.7, lon: 7.27, distanceKm: 10 }, remote: ["no"] },
      { scopes: [{ publisherId: P2, conditions: [{ field: "parentOrganizations", operator: "is", value: "Nouveau réseau" }] }] },
    ];
    for (const q of found) expect(idSet(engine, q), JSON.stringify(q)).toEqual(["m"]);
    const facets = run(engine, { facets: true }).facets;
    expect(facets?.domains).toEqual([{ key: "sport", doc_count: 1 }]);
    expect(facets?.activities).toEqual([{ key: "Accueil", doc_count: 1 }]);
    expect(facets?.departmentName).toEqual([{ key: "Alpes-Maritimes", doc_count: 1 }]);
    expect(facets?.publishers).toEqual([
      { key: P2, doc_count: 1 },
      { key: P3, doc_count: 1 },
    ]);
  });

  it("removes a doc, and ignores unknown ids", () => {
    const engine = engineWith([original, doc("other")]);
    expect(engine.has("m")).toBe(true);
    expect(engine.size).toBe(2);
    engine.remove("m");
    engine.remove("m");
    engine.remove("never");
    expect(engine.has("m")).toBe(false);
    expect(engine.size).toBe(1);
    expect(idSet(engine)).toEqual(["other"]);
    expect(idSet(engine, { keywords: "xylophone" })).toEqual([]);
    expect(run(engine, { facets: true }).facets?.domains).toEqual([]);
    engine.upsert(original);
    expect(idSet(engine, { keywords: "xylophone" })).toEqual(["m"]);
  });

  it("reuses freed slots after compaction, without stale text or values", () => {
    const engine = engineWith([doc("a", { title: "xylophone", domain: "sante" }), doc("b"), doc("c")]);
    const freed = engine.slotOf("a");
    engine.remove("a");
    expect(engine.stats().deadSlots).toBe(1);
    engine.compact();
    expect(engine.stats()).toMatchObject({ deadSlots: 0, freeSlots: 1, slots: 3, docs: 2 });
    engine.upsert(doc("z", { title: "Guitare", domain: "sport" }));
    expect(engine.slotOf("z")).toBe(freed);
    expect(engine.stats()).toMatchObject({ freeSlots: 0, slots: 3, docs: 3 });
    expect(idSet(engine, { keywords: "xylophone" })).toEqual([]);
    expect(idSet(engine, { keywords: "guitare" })).toEqual(["z"]);
    expect(idSet(engine, { domain: ["sante"] })).toEqual([]);
    expect(idSet(engine, { domain: ["sport"] })).toEqual(["z"]);
    expect(ids(engine)).toEqual(["b", "c", "z"]);
  });

  it("compacts by itself when many docs are removed, and stays correct", () => {
    const engine = new SearchEngine();
    for (let i = 0; i < 3000; i++) engine.upsert(doc(`d${i}`, { title: i % 2 ? "impair" : "pair", startAt: i, domain: `dom${i % 3}` }));
    for (let i = 0; i < 3000; i += 2) engine.remove(`d${i}`);
    const stats = engine.stats();
    expect(stats.docs).toBe(1500);
    expect(stats.deadSlots).toBeLessThan(1500); // a compaction ran
    expect(stats.deadSlots + stats.freeSlots).toBe(1500);
    expect(run(engine, { keywords: "pair" }).total).toBe(0);
    expect(run(engine, { keywords: "impair" }).total).toBe(1500);
    for (let i = 0; i < 1500; i++) engine.upsert(doc(`n${i}`, { title: "nouveau", startAt: -i }));
    // The new docs take the free slots first, then new ones (the dead slots wait for a compaction).
    expect(engine.stats().slots).toBe(3000 + 1500 - stats.freeSlots);
    expect(run(engine, { keywords: "nouveau" }).total).toBe(1500);
    expect(run(engine, { keywords: "impair" }).total).toBe(1500);
    expect(run(engine, { domain: ["dom1"] }).total).toBe(500);
    expect(ids(engine, { limit: 3 })).toEqual(["d2999", "d2997", "d2995"]);
  });
});

// --- randomized comparison with a naive reference ---------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const textKeysCache = new WeakMap<SearchDoc, Set<string>>();
function docTextKeys(d: SearchDoc): Set<string> {
  const cached = textKeysCache.get(d);
  if (cached) return cached;
  const keys = new Set<string>();
  textKeysCache.set(d, keys);
  const texts = [d.title, d.organizationName ?? "", d.description, ...d.addresses.map((a) => a.city ?? "")];
  for (const text of texts) forEachWord(text, (w) => wordKeys(w)?.forEach((k) => keys.add(k)));
  return keys;
}

/** The documented semantics, the slow way. */
function reference(docs: Map<string, SearchDoc>, q: EngineQuery): EngineResult {
  const anyOf = <T>(values: T[] | undefined, v: T) => !values || values.length === 0 || values.includes(v);
  const fold = foldText;
  const condition = (d: SearchDoc, c: Condition): boolean => {
    if (c.field === "parentOrganizations" || c.field === "activity") {
      const list = c.field === "activity" ? d.activities : d.parentOrganizations;
      const has = list.includes(c.value);
      if (c.operator === "is" || c.operator === "contains") return has;
      if (c.operator === "is_not" || c.operator === "does_not_contain") return !has;
      return c.operator === "exists" ? list.length > 0 : list.length === 0;
    }
    if (c.field === "openToMinors") {
      const want = c.value === "yes" ? true : c.value === "no" ? false : undefined;
      const v = d.openToMinors;
      if (c.operator === "is") return v !== null && v === want;
      if (c.operator === "is_not") return !(v !== null && v === want);
      if (c.operator === "exists") return v !== null;
      if (c.operator === "does_not_exist") return v === null;
      const has = v !== null && fold(String(v)).includes(fold(c.value));
      return c.operator === "contains" ? has : !has;
    }
    const values: Record<string, string | null> = {
      type: d.type,
      organizationClientId: d.organizationClientId,
      organizationName: d.organizationName?.trim() || null,
      domain: d.domain,
      departmentName: d.addresses[0]?.departmentName ?? null,
      remote: d.remote,
    };
    const v = values[c.field] ?? null;
    switch (c.operator) {
      case "is":
        return v === c.value;
      case "is_not":
        return v !== c.value;
      case "contains":
        return v !== null && fold(v).includes(fold(c.value));
      case "does_not_contain":
        return !(v !== null && fold(v).includes(fold(c.value)));
      case "exists":
        return v !== null && v !== "";
      case "does_not_exist":
        return v === null || v === "";
    }
  };
  const words = q.keywords ? analyzeQuery(q.keywords) : [];
  const geo = q.geo;
  const bypass = geo !== undefined && (!q.remote || q.remote.length === 0 || q.remote.includes("local"));
  const hasAddressClause = geo || q.city?.length || q.departmentName?.length || q.country?.length;
  const matches: { d: SearchDoc; distance?: number }[] = [];
  for (const d of docs.values()) {
    if (!q.scopes.some((s) => s.publisherId === d.publisherId && s.conditions.every((c) => condition(d, c)))) continue;
    if (q.onlyIds && !q.onlyIds.has(d.id)) continue;
    if (!anyOf(q.domain, d.domain) || !anyOf(q.type, d.type) || !anyOf(q.remote, d.remote) || !anyOf(q.clientId, d.clientId)) continue;
    if (!anyOf(q.publisher, d.publisherId) || !anyOf(q.organizationRNA, d.organizationRna) || !anyOf(q.organizationStatusJuridique, d.organizationLegalStatus)) continue;
    if (q.organizationName?.length && !q.organizationName.includes(d.organizationName?.trim() ?? "\u0000")) continue;
    if (q.organizationActions?.length && !q.organizationActions.some((a) => d.organizationActions?.includes(a))) continue;
    if (q.organizationBeneficiaries?.length && !q.organizationBeneficiaries.some((a) => d.organizationBeneficiaries?.includes(a))) continue;
    if (q.schedule?.length && !q.schedule.includes(d.schedule?.trim() ?? "\u0000")) continue;
    if (q.activity?.length && !d.activities.some((a) => q.activity!.includes(a))) continue;
    if (q.openToMinors !== undefined && d.openToMinors !== q.openToMinors) continue;
    if (q.reducedMobilityAccessible !== undefined && d.reducedMobilityAccessible !== q.reducedMobilityAccessible) continue;
    if (q.snu && !d.snu) continue;
    if (q.startAt && (d.startAt === null || (q.startAt.op === "gt" ? !(d.startAt > q.startAt.value) : !(d.startAt < q.startAt.value)))) continue;
    if (q.createdAt && (q.createdAt.op === "gt" ? !(d.createdAt > q.createdAt.value) : !(d.createdAt < q.createdAt.value))) continue;
    if (q.updatedSince !== undefined && !(d.updatedAt > q.updatedSince)) continue;
    if (words.length > 0) {
      const keys = docTextKeys(d);
      if (!words.every((w) => w.some((k) => keys.has(k)))) continue;
    }
    let distance: number | undefined;
    if (hasAddressClause) {
      let ok = false;
      for (const a of d.addresses) {
        if (!anyOf(q.city, a.city) || !anyOf(q.departmentName, a.departmentName) || !anyOf(q.country, a.country)) continue;
        if (geo) {
          if (a.lat === null || a.lon === null) continue;
          const km = haversine(geo.lat, geo.lon, a.lat, a.lon);
          if (km > geo.distanceKm) continue;
          distance = distance === undefined ? km : Math.min(distance, km);
        }
        ok = true;
      }
      if (!ok) {
        if (!(bypass && d.remote === "local")) continue;
        if (geo) for (const a of d.addresses) if (a.lat !== null && a.lon !== null) { const km = haversine(geo.lat, geo.lon, a.lat, a.lon); distance = distance === undefined ? km : Math.min(distance, km); }
      }
    }
    matches.push({ d, distance });
  }
  const byId = (a: SearchDoc, b: SearchDoc) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const desc = (x: number, y: number) => (x === y ? 0 : x > y ? -1 : 1);
  const startOrder = (a: SearchDoc, b: SearchDoc) => desc(a.startAt ?? Infinity, b.startAt ?? Infinity) || byId(a, b);
  const sort = q.sort ?? "startAt";
  matches.sort((x, y) => {
    if (sort === "createdAt") return desc(x.d.createdAt, y.d.createdAt) || byId(x.d, y.d);
    if (sort === "updatedAt") return desc(x.d.updatedAt, y.d.updatedAt) || byId(x.d, y.d);
    if (sort === "distance" && geo) {
      const dx = x.distance ?? Infinity;
      const dy = y.distance ?? Infinity;
      if (dx !== dy) return dx < dy ? -1 : 1;
    }
    return startOrder(x.d, y.d);
  });
  const result: EngineResult = {
    total: matches.length,
    hits: matches.slice(q.skip, q.skip + q.limit).map((m) => (geo && m.distance !== undefined ? { id: m.d.id, distanceKm: m.distance } : { id: m.d.id })),
  };
  if (q.facets) {
    const count = (values: (string | null | undefined)[]) => {
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts].map(([key, doc_count]) => ({ key, doc_count })).sort((a, b) => b.doc_count - a.doc_count || (a.key < b.key ? -1 : 1));
    };
    const ds = matches.map((m) => m.d);
    result.facets = {
      domains: count(ds.map((d) => d.domain)),
      activities: count(ds.flatMap((d) => [...new Set(d.activities)])),
      departmentName: count(ds.map((d) => d.addresses[0]?.departmentName)),
      publishers: count(ds.map((d) => d.publisherId)),
      remote: count(ds.map((d) => d.remote)),
      type: count(ds.map((d) => d.type)),
      organizations: count(ds.map((d) => d.organizationName?.trim() || null)),
      schedule: count(ds.map((d) => d.schedule?.trim() || null)),
      actions: count(ds.flatMap((d) => [...new Set(d.organizationActions ?? [])])),
      beneficiaries: count(ds.flatMap((d) => [...new Set(d.organizationBeneficiaries ?? [])])),
    };
  }
  return result;
}

describe("randomized comparison with a naive implementation", () => {
  const rnd = mulberry32(20261101);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rnd() * values.length)]!;
  const some = <T>(values: readonly T[], max: number): T[] => Array.from({ length: Math.floor(rnd() * (max + 1)) }, () => pick(values));
  const PUBS = ["p0", "p1", "p2", "p3"];
  const DOMAINS = ["sante", "sport", "culture", null];
  const ACTIVITIES = ["Animation", "Accueil", "Soutien scolaire", "Collecte", "Bricolage"];
  const TYPES = ["benevolat", "volontariat_service_civique", null];
  const REMOTES = ["no", "possible", "full", "local", null];
  const ORGS = ["org-1", "org-2", "org-10", null];
  const NETWORKS = ["Croix", "Secours", "Sport pour tous"];
  const CITIES = [
    { city: "Paris", departmentName: "Paris", lat: 48.8566, lon: 2.3522 },
    { city: "Évry", departmentName: "Essonne", lat: 48.6329, lon: 2.4404 },
    { city: "Lyon", departmentName: "Rhône", lat: 45.764, lon: 4.8357 },
    { city: "Villeurbanne", departmentName: "Rhône", lat: 45.7719, lon: 4.8902 },
    { city: "Lille", departmentName: "Nord", lat: 50.6292, lon: 3.0573 },
    { city: "Genève", departmentName: null, lat: 46.2044, lon: 6.1432 },
  ];
  const WORDS = ["bénévoles", "bénévole", "enfants", "scolaire", "soutien", "jardin", "jardins", "activité", "activites", "sport", "musique", "lecture", "personnes", "âgées", "agees", "collecte", "repas", "les", "des"];
  const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");

  function randomDoc(id: string): SearchDoc {
    return doc(id, {
      publisherId: pick(PUBS),
      clientId: `c${Math.floor(rnd() * 50)}`,
      organizationClientId: pick(ORGS),
      organizationName: rnd() < 0.5 ? `Association ${pick(WORDS)}` : null,
      organizationRna: rnd() < 0.5 ? `W${Math.floor(rnd() * 5)}` : null,
      organizationLegalStatus: pick(["Association", "Fondation", null]),
      parentOrganizations: some(NETWORKS, 2),
      organizationActions: some(["Accompagner", "Former", "Soigner"], 2),
      organizationBeneficiaries: some(["Jeunes", "Seniors", "Familles"], 2),
      schedule: pick(["24 h par semaine", "Le week-end", null]),
      domain: pick(DOMAINS),
      activities: some(ACTIVITIES, 3),
      type: pick(TYPES),
      remote: pick(REMOTES),
      openToMinors: pick([true, false, null]),
      reducedMobilityAccessible: pick([true, false, null]),
      snu: rnd() < 0.2,
      startAt: rnd() < 0.15 ? null : Math.floor(rnd() * 20) * 1000,
      createdAt: Math.floor(rnd() * 30),
      updatedAt: Math.floor(rnd() * 30),
      title: sentence(1 + Math.floor(rnd() * 4)),
      description: sentence(Math.floor(rnd() * 30)),
      addresses: Array.from({ length: Math.floor(rnd() * 3.5) }, () => {
        const c = pick(CITIES);
        const coords = rnd() < 0.85;
        const jitter = () => (rnd() - 0.5) * 0.6;
        return address({
          city: c.city,
          departmentName: c.departmentName,
          country: c.departmentName ? "FR" : "CH",
          lat: coords ? c.lat + jitter() : null,
          lon: coords ? c.lon + jitter() : null,
        });
      }),
    });
  }

  function randomQuery(): EngineQuery {
    const q: EngineQuery = {
      scopes: PUBS.filter(() => rnd() < 0.8).map((publisherId) => ({
        publisherId,
        conditions:
          rnd() < 0.4
            ? [
                {
                  field: pick(["organizationClientId", "parentOrganizations", "type", "organizationName", "domain", "departmentName", "remote", "openToMinors", "activity"] as const),
                  operator: pick(["is", "is_not", "contains", "does_not_contain", "exists", "does_not_exist"] as const),
                  value: pick(["org-1", "org-", "Croix", "benevolat", "volontariat", "Secours", "Association enfants", "ENFANTS", "sante", "Rhône", "rhone", "local", "yes", "no", "Accueil"]),
                },
              ]
            : [],
      })),
      skip: rnd() < 0.7 ? 0 : Math.floor(rnd() * 40),
      limit: 1 + Math.floor(rnd() * 60),
      facets: rnd() < 0.5,
      sort: pick(["startAt", "createdAt", "updatedAt", "distance", undefined] as const),
    };
    if (rnd() < 0.25) q.domain = some(["sante", "sport", "culture", "x"], 2);
    if (rnd() < 0.2) q.activity = some(ACTIVITIES, 2);
    if (rnd() < 0.2) q.type = some(["benevolat", "volontariat_service_civique"], 1);
    if (rnd() < 0.25) q.remote = some(["no", "possible", "full", "local"], 2);
    if (rnd() < 0.2) q.city = some(CITIES.map((c) => c.city), 2);
    if (rnd() < 0.2) q.departmentName = some(["Paris", "Rhône", "Nord", "Essonne"], 2);
    if (rnd() < 0.1) q.country = some(["FR", "CH"], 1);
    if (rnd() < 0.1) q.clientId = some(["c1", "c2", "c3", "c4"], 3);
    if (rnd() < 0.15) q.publisher = some(PUBS, 2);
    if (rnd() < 0.1) q.organizationRNA = some(["W1", "W2"], 2);
    if (rnd() < 0.1) q.organizationStatusJuridique = some(["Association", "Fondation"], 1);
    if (rnd() < 0.1) q.organizationName = some(["Association enfants", "Association sport", "Association x"], 2);
    if (rnd() < 0.1) q.organizationActions = some(["Accompagner", "Soigner", "x"], 2);
    if (rnd() < 0.1) q.organizationBeneficiaries = some(["Jeunes", "Familles"], 1);
    if (rnd() < 0.1) q.schedule = some(["Le week-end", "24 h par semaine"], 1);
    if (rnd() < 0.15) q.openToMinors = rnd() < 0.5;
    if (rnd() < 0.1) q.reducedMobilityAccessible = rnd() < 0.5;
    if (rnd() < 0.1) q.snu = true;
    if (rnd() < 0.15) q.startAt = { op: pick(["gt", "lt"] as const), value: Math.floor(rnd() * 20) * 1000 };
    if (rnd() < 0.1) q.createdAt = { op: pick(["gt", "lt"] as const), value: Math.floor(rnd() * 30) };
    if (rnd() < 0.1) q.updatedSince = Math.floor(rnd() * 30);
    if (rnd() < 0.3) q.keywords = sentence(1 + Math.floor(rnd() * 2));
    if (rnd() < 0.35) {
      const c = pick(CITIES);
      q.geo = { lat: c.lat + (rnd() - 0.5) * 0.4, lon: c.lon + (rnd() - 0.5) * 0.4, distanceKm: pick([5, 15, 30, 80, 500]) };
    }
    if (rnd() < 0.1) q.onlyIds = new Set(Array.from({ length: 300 }, (_, i) => `m${i}`).filter(() => rnd() < 0.5));
    return q;
  }

  function compare(engine: SearchEngine, docs: Map<string, SearchDoc>, rounds: number): void {
    for (let i = 0; i < rounds; i++) {
      const q = randomQuery();
      const got = engine.search(q);
      const want = reference(docs, q);
      const label = JSON.stringify({ ...q, onlyIds: q.onlyIds ? [...q.onlyIds] : undefined });
      expect(engine.search(q), label).toEqual(got); // same answer from the caches
      expect(got.total, label).toBe(want.total);
      expect(
        got.hits.map((h) => h.id),
        label,
      ).toEqual(want.hits.map((h) => h.id));
      for (let h = 0; h < want.hits.length; h++) {
        const expected = want.hits[h]!.distanceKm;
        const actual = got.hits[h]!.distanceKm;
        if (expected === undefined) expect(actual, label).toBeUndefined();
        else expect(actual, label).toBeCloseTo(expected, 6);
      }
      if (q.facets) expect(got.facets, label).toEqual(want.facets);
    }
  }

  it("returns exactly the reference results through inserts, replacements, removals and compactions", () => {
    const engine = new SearchEngine();
    const docs = new Map<string, SearchDoc>();
    const put = (d: SearchDoc) => {
      engine.upsert(d);
      docs.set(d.id, d);
    };
    // 600 docs: values held by ≥ 128 docs get a bitset, the others stay lists.
    for (let i = 0; i < 600; i++) put(randomDoc(`m${i}`));
    compare(engine, docs, 150);
    // Replace and remove a third of them.
    for (let i = 0; i < 600; i += 3) put(randomDoc(`m${i}`));
    for (let i = 1; i < 600; i += 5) {
      engine.remove(`m${i}`);
      docs.delete(`m${i}`);
    }
    expect(engine.size).toBe(docs.size);
    compare(engine, docs, 150);
    engine.compact();
    for (let i = 600; i < 750; i++) put(randomDoc(`m${i}`));
    compare(engine, docs, 150);
    // Relevance: the result set is the reference's; scores are non-increasing, ties in startAt order.
    // At least one word that is not a stop word, so that hits are scored.
    const scored = WORDS.filter((w) => w !== "les" && w !== "des");
    for (let i = 0; i < 30; i++) {
      const q: EngineQuery = { scopes: PUBS.map((publisherId) => ({ publisherId, conditions: [] })), keywords: `${pick(scored)} ${sentence(1)}`, sort: "relevance", skip: 0, limit: 1000 };
      const got = engine.search(q);
      const want = reference(docs, q);
      expect(got.hits.map((h) => h.id).sort()).toEqual(want.hits.map((h) => h.id).sort());
      const startRank = new Map(want.hits.map((h, r) => [h.id, r]));
      for (let h = 1; h < got.hits.length; h++) {
        const prev = got.hits[h - 1]!;
        const cur = got.hits[h]!;
        expect(prev.score).toBeGreaterThanOrEqual(cur.score!);
        if (prev.score === cur.score) expect(startRank.get(prev.id)!).toBeLessThan(startRank.get(cur.id)!);
      }
    }
  });
});
