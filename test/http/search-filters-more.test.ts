/**
 * Diffuseur read API, black box, the gaps left by search.test.ts: `keywords` on the city or the
 * organisation only (accents, case, French stemming, every word required), `country` alone,
 * `createdAt`/`startAt` ranges around real times, rule changes checked by id on `/v0/mission/:id`,
 * the type of every field of the legacy v0 mission (full and sparse), and `/search` facets equal to
 * counts made from the full list for the same filters (reference: legacy-api.md §4).
 *
 * Self-contained: every world below has its own annonceurs and diffuseur, and every clientId carries
 * this file's tag, so the exact lists and totals do not depend on other files sharing the database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeDiffusion } from "../../src/diffusion/repository.ts";
import { ACTIVITIES } from "../../src/taxonomy/activities.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

type Partner = { id: string; name: string; apiKey: string };
type Json = Record<string, any>;

const TAG = `sfm${Math.random().toString(36).slice(2, 8)}`;
/** clientId of a fixture mission: its short name plus this file's tag. */
const cid = (name: string) => `${name}-${TAG}`;
/** Short names of the missions of a list, sorted. */
const names = (list: { clientId: string }[]) => list.map((m) => m.clientId.replace(`-${TAG}`, "")).sort();

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const mission = (name: string, extra: Record<string, unknown> = {}) => ({
  clientId: cid(name),
  title: `Mission ${name}`,
  description: "Accompagner des personnes dans leurs démarches quotidiennes.",
  applicationUrl: `https://asso.example/${TAG}/${name}`,
  remote: "no",
  startAt: "2026-06-01T00:00:00Z",
  ...extra,
});

async function post(p: Partner, body: Record<string, unknown>) {
  const res = await server.request("/v2/mission", { method: "POST", apiKey: p.apiKey, json: body });
  expect(res.status, res.text).toBe(201);
  expect(res.body.data.statusCode, res.text).toBe("ACCEPTED");
  return res.body.data as { id: string; clientId: string; createdAt: string };
}

const getAs = (p: Partner, path: string) => server.request(path, { apiKey: p.apiKey });

// ── Shared fixture: keywords, country, facets ─────────────────────────────────────────────────────

describe("keywords, country and facets", () => {
  let a1: Partner;
  let a2: Partner;
  let d: Partner;
  const get = (path: string) => getAs(d, path);

  beforeAll(async () => {
    a1 = await server.partner({ annonceur: true, name: `Annonceur Un ${TAG}` });
    a2 = await server.partner({ annonceur: true, name: `Annonceur Deux ${TAG}` });
    d = await server.partner({ annonceur: false, diffuseur: true, name: `Diffuseur ${TAG}` });
    await server.allow(d.id, a1.id);
    await server.allow(d.id, a2.id);

    // "Lyon" only in the address city.
    await post(a1, mission("city-only", {
      title: "Aide aux devoirs du soir",
      description: "Soutien scolaire pour des collégiens du quartier.",
      domain: "education",
      activities: ["soutien-scolaire"],
      type: "benevolat",
      openToMinors: true,
      startAt: "2026-04-01T00:00:00Z",
      addresses: [{ street: "3 rue de la République", postalCode: "69001", city: "Lyon", country: "FR" }],
      organizationClientId: cid("org-savoir"),
      organizationName: "Les Amis du Savoir",
    }));
    // "Zéphyrine" only in the organisation name.
    await post(a1, mission("org-only", {
      title: "Collecte alimentaire hebdomadaire",
      description: "Trier et distribuer des denrées aux familles.",
      domain: "solidarite-insertion",
      activities: ["collecte", "distribution"],
      type: "benevolat",
      remote: "possible",
      reducedMobilityAccessible: true,
      startAt: "2026-05-01T00:00:00Z",
      addresses: [{ postalCode: "13001", city: "Marseille", country: "FR" }],
      organizationClientId: cid("org-zeph"),
      organizationName: "Association Zéphyrine",
      organizationRNA: "W131234567",
      organizationStatusJuridique: "Association",
    }));
    await post(a1, mission("ecoles", {
      title: "Animer des ateliers dans les écoles",
      description: "Des activités ludiques avec des enfants.",
      domain: "culture-loisirs",
      activities: ["animation"],
      type: "volontariat_service_civique",
      snu: true,
      startAt: "2026-09-01T00:00:00Z",
      addresses: [{ postalCode: "33000", city: "Bordeaux", country: "FR" }],
      organizationClientId: cid("org-ludo"),
      organizationName: "Ludothèque Nomade",
    }));
    await post(a2, mission("benevoles-plural", {
      title: "Recrutement de bénévoles pour le festival",
      description: "Accueil du public et orientation des visiteurs.",
      domain: "culture-loisirs",
      activities: ["accueil-de-public"],
      type: "benevolat",
      startAt: "2026-07-01T00:00:00Z",
      addresses: [{ postalCode: "44000", city: "Nantes", country: "FR" }],
      organizationClientId: cid("org-festival"),
      organizationName: "Festival Ouvert",
    }));
    await post(a2, mission("benevole-singular", {
      title: "Un bénévole pour la banque alimentaire",
      description: "Préparer les colis chaque mercredi.",
      domain: "solidarite-insertion",
      openToMinors: false,
      reducedMobilityAccessible: false,
      startAt: "2026-03-01T00:00:00Z",
      addresses: [{ postalCode: "59000", city: "Lille", country: "FR" }],
    }));
    await post(a2, mission("ecole-lyon", {
      title: "Soutien dans une école primaire",
      description: "Aide aux enseignants pendant la récréation.",
      domain: "education",
      activities: ["soutien-scolaire", "accueil-de-public"],
      type: "benevolat",
      remote: "local",
      startAt: "2026-08-01T00:00:00Z",
      addresses: [{ postalCode: "69007", city: "Lyon", country: "FR" }],
      organizationClientId: cid("org-parents"),
      organizationName: "Parents Solidaires",
    }));
    await post(a1, mission("be-bruxelles", {
      title: "Accueil de réfugiés en Belgique",
      description: "Accompagner des familles nouvellement arrivées.",
      domain: "humanitaire",
      type: "benevolat",
      startAt: "2026-02-01T00:00:00Z",
      addresses: [{ postalCode: "1000", city: "Bruxelles", country: "BE", location: { lat: 50.8467, lon: 4.3525 } }],
    }));
    await post(a2, mission("mixed-be-fr", {
      title: "Nettoyage des berges de la Meuse",
      description: "Ramasser les déchets le long du fleuve.",
      domain: "environnement",
      activities: ["ramassage-dechets"],
      startAt: "2026-10-01T00:00:00Z",
      addresses: [
        { postalCode: "4000", city: "Liège", country: "BE", location: { lat: 50.6326, lon: 5.5797 } },
        { postalCode: "59000", city: "Lille", country: "FR" },
      ],
    }));
    await post(a1, mission("no-address", {
      title: "Rédaction entièrement à distance",
      description: "Rédiger des articles pour notre site.",
      domain: "communication",
      remote: "full",
      startAt: "2026-01-01T00:00:00Z",
    }));
  });

  const ALL = ["be-bruxelles", "benevole-singular", "benevoles-plural", "city-only", "ecole-lyon", "ecoles", "mixed-be-fr", "no-address", "org-only"];

  it("lists exactly the fixture", async () => {
    const res = await get("/v0/mission?limit=100");
    expect(res.status).toBe(200);
    expect(names(res.body.data)).toEqual(ALL);
    expect(res.body.total).toBe(ALL.length);
  });

  describe("keywords", () => {
    it.each([
      // the city only (title, description and organisation never say "Lyon")
      ["lyon", ["city-only", "ecole-lyon"]],
      ["LYON", ["city-only", "ecole-lyon"]],
      ["Bruxelles", ["be-bruxelles"]],
      ["li%C3%A8ge", ["mixed-be-fr"]], // second-country address, accent folded: liège
      ["liege", ["mixed-be-fr"]],
      ["lille", ["benevole-singular", "mixed-be-fr"]], // mixed-be-fr: Lille is its second address
      // the organisation name only
      ["zephyrine", ["org-only"]],
      ["Z%C3%A9PHYRINE", ["org-only"]],
      ["ludoth%C3%A8que", ["ecoles"]],
      // accents and case
      ["%C3%89COLE", ["ecole-lyon", "ecoles"]], // ÉCOLE finds "écoles" and "école"
      ["ecoles", ["ecole-lyon", "ecoles"]],
      ["%C3%89coles", ["ecole-lyon", "ecoles"]],
      // French stemming, plural ↔ singular
      ["b%C3%A9n%C3%A9voles", ["benevole-singular", "benevoles-plural"]],
      ["benevole", ["benevole-singular", "benevoles-plural"]],
      ["B%C3%89N%C3%89VOLE", ["benevole-singular", "benevoles-plural"]],
      ["devoir", ["city-only"]],
      ["atelier", ["ecoles"]],
      // every word is required (AND), across fields (title + city, title + organisation)
      ["%C3%A9cole%20lyon", ["ecole-lyon"]],
      ["lyon%20devoirs", ["city-only"]],
      ["collecte%20zephyrine", ["org-only"]],
      ["b%C3%A9n%C3%A9voles%20festival", ["benevoles-plural"]],
      ["lyon%20zephyrine", []],
      ["%C3%A9coles%20bordeaux%20lyon", []],
      // stop words are not required words
      ["les%20%C3%A9coles%20de%20lyon", ["ecole-lyon"]],
    ])("keywords=%s", async (q, expected) => {
      for (const route of ["/v0/mission", "/v0/mission/search"]) {
        const res = await get(`${route}?limit=100&keywords=${q}`);
        expect(res.status, res.text).toBe(200);
        expect(names(res.body.data ?? res.body.hits), route).toEqual(expected);
        expect(res.body.total, route).toBe(expected.length);
      }
    });
  });

  describe("country alone", () => {
    const FR = ["benevole-singular", "benevoles-plural", "city-only", "ecole-lyon", "ecoles", "mixed-be-fr", "org-only"];
    it.each([
      ["country=BE", ["be-bruxelles", "mixed-be-fr"]],
      ["country=FR", FR],
      ["country=BE,FR", [...FR, "be-bruxelles"].sort()],
      ["country=BE%2CFR", [...FR, "be-bruxelles"].sort()],
      ["country=BE&country=FR", [...FR, "be-bruxelles"].sort()],
      ["country=%20BE%20,%20,FR", [...FR, "be-bruxelles"].sort()],
      ["country=DE", []],
      // all address filters hold on the same address: mixed-be-fr is in Liège (BE) and Lille (FR)
      ["country=BE&city=Lille", []],
      ["country=FR&city=Lille", ["benevole-singular", "mixed-be-fr"]],
      ["country=BE&city=Li%C3%A8ge", ["mixed-be-fr"]],
      ["country=BE&domain=humanitaire", ["be-bruxelles"]],
    ])("%s", async (q, expected) => {
      const res = await get(`/v0/mission?limit=100&${q}`);
      expect(res.status, res.text).toBe(200);
      expect(names(res.body.data)).toEqual(expected);
      expect(res.body.total).toBe(expected.length);
    });

    it("keeps the country as stored on every address of a hit", async () => {
      const res = await get("/v0/mission?limit=100&country=BE");
      const byName = Object.fromEntries(res.body.data.map((m: Json) => [m.clientId.replace(`-${TAG}`, ""), m]));
      expect(byName["be-bruxelles"].country).toBe("BE");
      expect(byName["mixed-be-fr"].country).toBe("BE"); // first address
      expect(byName["mixed-be-fr"].addresses.map((x: Json) => x.country)).toEqual(["BE", "FR"]);
    });
  });

  describe("facets equal counts made from the full list", () => {
    type Bucket = { key: string; doc_count: number };
    const LABELS = [...new Set(ACTIVITIES.map((a) => a.label))].sort((x, y) => y.length - x.length);

    /** The labels of a legacy `activity` string (labels themselves may contain ", "). */
    function activityLabels(activity: string | null): string[] {
      const out: string[] = [];
      let rest = activity ?? "";
      while (rest) {
        const label = LABELS.find((l) => rest === l || rest.startsWith(`${l}, `));
        if (!label) throw new Error(`unknown activity in « ${activity} »`);
        out.push(label);
        rest = rest.slice(label.length).replace(/^, /, "");
      }
      return out;
    }

    function countBy(list: Json[], keysOf: (m: Json) => (string | null | undefined)[]): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const m of list) for (const k of keysOf(m)) if (k !== null && k !== undefined) counts[k] = (counts[k] ?? 0) + 1;
      return counts;
    }

    const asMap = (buckets: Bucket[]) => Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]));

    const QUERIES = [
      "",
      "domain=education",
      "domain=education,culture-loisirs",
      "activity=Soutien%20scolaire",
      "activity=Accueil%20de%20public&activity=Animation",
      "type=benevolat",
      "type=volontariat_service_civique",
      "remote=no,possible",
      "remote=local",
      "city=Lyon",
      "departmentName=Rh%C3%B4ne",
      "departmentName=Nord",
      "country=FR",
      "country=BE",
      `clientId=${cid("city-only")},${cid("org-only")},${cid("mixed-be-fr")}`,
      "publisher=A2",
      "publisher=A1,A2",
      "organizationRNA=W131234567",
      "organizationStatusJuridique=Association",
      "openToMinors=yes",
      "openToMinors=no",
      "reducedMobilityAccessible=true",
      "reducedMobilityAccessible=false",
      "snu=true",
      "startAt=gt:2026-05-15",
      "startAt=lt:2026-05-15",
      "createdAt=gt:2000-01-01",
      "keywords=lyon",
      "keywords=b%C3%A9n%C3%A9vole",
      "lat=45.764&lon=4.8357&distance=20km",
      "lat=45.764&lon=4.8357&distance=20km&remote=no",
      "lat=50.85&lon=4.35&distance=200km",
      // combinations
      "domain=education&remote=no,local&country=FR",
      "type=benevolat&keywords=lyon&publisher=A2",
      "country=FR&startAt=gt:2026-04-15&openToMinors=no",
      "domain=culture-loisirs,solidarite-insertion&activity=Animation,Collecte&type=benevolat,volontariat_service_civique",
      "publisher=A1&country=BE,FR&remote=no,possible,full&createdAt=gt:2000-01-01&startAt=lt:2026-12-31",
      "city=Lyon&departmentName=Rh%C3%B4ne&country=FR&type=benevolat&domain=education&activity=Soutien%20scolaire&keywords=soutien",
      "lat=45.764&lon=4.8357&distance=600km&domain=education,culture-loisirs&type=benevolat",
      "domain=humanitaire&country=FR",
    ];

    it.each(QUERIES)("facets for «%s»", async (raw) => {
      const q = raw.replaceAll("A1", a1.id).replaceAll("A2", a2.id);
      const list = await get(`/v0/mission?limit=10000&${q}`);
      expect(list.status, list.text).toBe(200);
      const all = list.body.data as Json[];
      expect(list.body.total).toBe(all.length);

      const search = await get(`/v0/mission/search?limit=2&${q}`);
      expect(search.status, search.text).toBe(200);
      expect(search.body.total).toBe(all.length);
      expect(search.body.hits.map((h: Json) => h.id)).toEqual(all.slice(0, 2).map((m) => m.id));
      const facets = search.body.facets as Record<string, Bucket[]>;
      expect(Object.keys(facets)).toEqual(["departmentName", "activities", "domains", "publishers", "remote", "type"]);

      const expected: Record<string, Record<string, number>> = {
        departmentName: countBy(all, (m) => [m.departmentName]),
        activities: countBy(all, (m) => activityLabels(m.activity)),
        domains: countBy(all, (m) => [m.domain]),
        publishers: countBy(all, (m) => [m.publisherId]),
        remote: countBy(all, (m) => [m.remote]),
        type: countBy(all, (m) => [m.type]),
      };
      for (const [field, counts] of Object.entries(expected)) {
        const buckets = facets[field]!;
        expect(asMap(buckets), `${field} for ${raw}`).toEqual(counts);
        // one bucket per key, largest first, and only positive counts
        expect(new Set(buckets.map((b) => b.key)).size, field).toBe(buckets.length);
        const docCounts = buckets.map((b) => b.doc_count);
        expect(docCounts, field).toEqual([...docCounts].sort((x, y) => y - x));
        expect(docCounts.every((n) => Number.isInteger(n) && n > 0), field).toBe(true);
      }
    });

    it("gives the same facets whatever the page (limit, skip)", async () => {
      const whole = (await get("/v0/mission/search?limit=10000")).body;
      for (const page of ["limit=0", "limit=1", "limit=2&skip=3", "limit=5&skip=100", "size=3&from=2"]) {
        const res = await get(`/v0/mission/search?${page}`);
        expect(res.status, page).toBe(200);
        expect(res.body.total, page).toBe(ALL.length);
        expect(res.body.facets, page).toEqual(whole.facets);
      }
      const paged = await get("/v0/mission/search?limit=2&skip=3");
      expect(paged.body.hits.map((h: Json) => h.id)).toEqual(whole.hits.slice(3, 5).map((h: Json) => h.id));
    });

    it("counts a known combination by hand", async () => {
      // domain=education: city-only (a1, Rhône, benevolat, no) and ecole-lyon (a2, Rhône, benevolat, local)
      const res = await get("/v0/mission/search?domain=education&limit=0");
      expect(res.body.total).toBe(2);
      expect(res.body.hits).toEqual([]);
      expect(asMap(res.body.facets.departmentName)).toEqual({ Rhône: 2 });
      expect(asMap(res.body.facets.activities)).toEqual({ "Soutien scolaire": 2, "Accueil de public": 1 });
      expect(asMap(res.body.facets.domains)).toEqual({ education: 2 });
      expect(asMap(res.body.facets.publishers)).toEqual({ [a1.id]: 1, [a2.id]: 1 });
      expect(asMap(res.body.facets.remote)).toEqual({ no: 1, local: 1 });
      expect(asMap(res.body.facets.type)).toEqual({ benevolat: 2 });
    });
  });
});

// ── Keywords follow the city and the organisation name when they change ──────────────────────────

describe("keywords after changes of the city or the organisation", () => {
  let a: Partner;
  let d: Partner;
  const kw = async (q: string) => {
    const res = await getAs(d, `/v0/mission?limit=100&keywords=${encodeURIComponent(q)}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.total).toBe(res.body.data.length);
    return names(res.body.data);
  };

  beforeAll(async () => {
    a = await server.partner({ annonceur: true });
    d = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(d.id, a.id);
  });

  it("finds a mission by its new city only, and no longer by the old one", async () => {
    await post(a, mission("moving", {
      title: "Tenir la buvette du club",
      addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
    }));
    expect(await kw("lyon")).toEqual(["moving"]);
    const put = await server.request(`/v2/mission/${cid("moving")}`, {
      method: "PUT",
      apiKey: a.apiKey,
      json: { addresses: [{ postalCode: "38000", city: "Grenoble", country: "FR" }] },
    });
    expect(put.status, put.text).toBe(200);
    expect(await kw("lyon")).toEqual([]);
    expect(await kw("Grenoble")).toEqual(["moving"]);
    expect(await kw("buvette grenoble")).toEqual(["moving"]);
  });

  it("finds every mission of an organisation by its new name once another mission renames it", async () => {
    await post(a, mission("org-first", {
      title: "Ranger la réserve",
      organizationClientId: cid("org-k"),
      organizationName: "Association Quichotte",
    }));
    expect(await kw("quichotte")).toEqual(["org-first"]);
    // Same organisation (same organizationClientId), published by another mission with a new name.
    await post(a, mission("org-second", {
      title: "Trier les dons",
      organizationClientId: cid("org-k"),
      organizationName: "Cercle Xanthippe",
    }));
    const first = (await getAs(d, `/v0/mission?clientId=${cid("org-first")}`)).body.data[0];
    expect(first.organizationName).toBe("Cercle Xanthippe");
    expect(await kw("xanthippe")).toEqual(["org-first", "org-second"]);
    expect(await kw("quichotte")).toEqual([]);
    expect(await kw("réserve xanthippe")).toEqual(["org-first"]);
  });
});

// ── Dates: createdAt and startAt around real values ───────────────────────────────────────────────

describe("createdAt and startAt ranges", () => {
  let a: Partner;
  let d: Partner;
  let early: { id: string; createdAt: string };
  let late: { id: string; createdAt: string };
  let between: string;
  const list = async (q: string) => {
    const res = await getAs(d, `/v0/mission?limit=100&${q}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.total).toBe(res.body.data.length);
    return names(res.body.data);
  };

  beforeAll(async () => {
    a = await server.partner({ annonceur: true });
    d = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(d.id, a.id);
    early = await post(a, mission("s-march", { startAt: "2026-03-15T10:00:00Z" }));
    await sleep(60);
    between = new Date().toISOString();
    await sleep(60);
    late = await post(a, mission("s-sept", { startAt: "2026-09-20T08:30:00Z" }));
  });

  it("gives creation times on both sides of the noted instant", async () => {
    const res = await getAs(d, "/v0/mission?limit=100");
    const byName = Object.fromEntries(res.body.data.map((m: Json) => [m.clientId.replace(`-${TAG}`, ""), m]));
    expect(byName["s-march"].createdAt).toBe(early.createdAt);
    expect(byName["s-sept"].createdAt).toBe(late.createdAt);
    expect(Date.parse(early.createdAt)).toBeLessThan(Date.parse(between));
    expect(Date.parse(late.createdAt)).toBeGreaterThan(Date.parse(between));
  });

  it("createdAt=gt:T gives only the later mission, lt:T only the earlier one", async () => {
    const t = encodeURIComponent(between);
    expect(await list(`createdAt=gt:${t}`)).toEqual(["s-sept"]);
    expect(await list(`createdAt=lt:${t}`)).toEqual(["s-march"]);
    // the same instant written with an offset
    const local = new Date(Date.parse(between) + 2 * 3600_000).toISOString().replace("Z", "+02:00");
    expect(await list(`createdAt=gt:${encodeURIComponent(local)}`)).toEqual(["s-sept"]);
    expect(await list(`createdAt=lt:${encodeURIComponent(local)}`)).toEqual(["s-march"]);
    // around each creation time
    const before = (iso: string) => encodeURIComponent(new Date(Date.parse(iso) - 1).toISOString());
    const after = (iso: string) => encodeURIComponent(new Date(Date.parse(iso) + 1).toISOString());
    expect(await list(`createdAt=gt:${before(early.createdAt)}`)).toEqual(["s-march", "s-sept"]);
    expect(await list(`createdAt=gt:${after(early.createdAt)}`)).toEqual(["s-sept"]);
    expect(await list(`createdAt=lt:${after(late.createdAt)}`)).toEqual(["s-march", "s-sept"]);
    expect(await list(`createdAt=lt:${before(late.createdAt)}`)).toEqual(["s-march"]);
    expect(await list(`createdAt=gt:${after(late.createdAt)}`)).toEqual([]);
    expect(await list(`createdAt=lt:${before(early.createdAt)}`)).toEqual([]);
  });

  it.each([
    ["startAt=gt:2026-06-01", ["s-sept"]],
    ["startAt=lt:2026-06-01", ["s-march"]],
    ["startAt=gt:2026-03-15", ["s-march", "s-sept"]],
    ["startAt=lt:2026-03-15", []],
    ["startAt=gt:2026-03-16", ["s-sept"]],
    ["startAt=lt:2026-09-21", ["s-march", "s-sept"]],
    // strict comparisons at the exact instant
    ["startAt=gt:2026-03-15T10:00:00Z", ["s-sept"]],
    ["startAt=gt:2026-03-15T09:59:59.999Z", ["s-march", "s-sept"]],
    ["startAt=lt:2026-03-15T10:00:00Z", []],
    ["startAt=lt:2026-03-15T10:00:00.001Z", ["s-march"]],
    ["startAt=lt:2026-09-20T08:30:00Z", ["s-march"]],
    ["startAt=gt:2026-09-20T08:29:59Z", ["s-sept"]],
    // offsets: 11:00+02:00 is 09:00Z, 10:30+02:00 is 08:30Z
    ["startAt=gt:2026-03-15T11:00:00%2B02:00", ["s-march", "s-sept"]],
    ["startAt=gt:2026-03-15T13:00:00%2B02:00", ["s-sept"]],
    ["startAt=lt:2026-09-20T10:30:00%2B02:00", ["s-march"]],
    ["startAt=lt:2026-09-20T10:31:00%2B02:00", ["s-march", "s-sept"]],
    ["startAt=gt:2027-01-01", []],
    ["startAt=lt:2026-01-01", []],
  ])("%s", async (q, expected) => {
    expect(await list(q)).toEqual(expected);
  });

  it("combines createdAt and startAt", async () => {
    const t = encodeURIComponent(between);
    expect(await list(`createdAt=gt:${t}&startAt=lt:2026-06-01`)).toEqual([]);
    expect(await list(`createdAt=gt:${t}&startAt=gt:2026-06-01`)).toEqual(["s-sept"]);
    expect(await list(`createdAt=lt:${t}&startAt=lt:2026-06-01`)).toEqual(["s-march"]);
  });
});

// ── Rule changes, checked by id ───────────────────────────────────────────────────────────────────

describe("rule changes seen on /v0/mission/:id", () => {
  let a: Partner;
  let d: Partner;
  let keep: string;
  let drop: string;
  const detail = (id: string) => getAs(d, `/v0/mission/${id}`);
  const total = async () => {
    const res = await getAs(d, "/v0/mission?limit=100");
    const search = await getAs(d, "/v0/mission/search?limit=100");
    expect(search.body.total).toBe(res.body.total);
    return { total: res.body.total as number, names: names(res.body.data) };
  };

  beforeAll(async () => {
    a = await server.partner({ annonceur: true });
    d = await server.partner({ annonceur: false, diffuseur: true });
    keep = (await post(a, mission("rule-keep", { organizationClientId: cid("org-keep"), organizationName: "Organisation Gardée" }))).id;
    drop = (await post(a, mission("rule-drop", { organizationClientId: cid("org-drop"), organizationName: "Organisation Exclue" }))).id;
  });

  it("404 before the diffusion right, 200 once allowed, 404 on the very next request after revoking", async () => {
    for (const id of [keep, drop]) {
      const res = await detail(id);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    expect(await total()).toEqual({ total: 0, names: [] });

    await server.allow(d.id, a.id);
    for (const id of [keep, drop]) {
      const res = await detail(id);
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(true);
      expect(res.body.data.id).toBe(id);
      expect(res.body.data.applicationUrl).toBe(`${server.config.publicUrl}/r/${id}/${d.id}`);
    }
    expect(await total()).toEqual({ total: 2, names: ["rule-drop", "rule-keep"] });

    expect(await revokeDiffusion(server.database.db, d.id, a.id)).toBe(true);
    const gone = await detail(keep);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("NOT_FOUND");
    expect((await detail(drop)).status).toBe(404);
    expect((await getAs(d, `/v2/mission/${keep}`)).status).toBe(404);
    expect(await total()).toEqual({ total: 0, names: [] });

    await server.allow(d.id, a.id);
    expect((await detail(keep)).status).toBe(200);
    expect((await detail(drop)).status).toBe(200);
  });

  it("an annonceur's organisation exclusion hides that organisation's mission by id and in the list, until deleted", async () => {
    await server.allow(d.id, a.id);
    expect(await total()).toEqual({ total: 2, names: ["rule-drop", "rule-keep"] });

    const rule = await server.request("/v0/diffusion-rule", {
      method: "POST",
      apiKey: a.apiKey,
      json: { publisherIds: [d.id], field: "publisherOrganization.clientId", operator: "is_not", value: cid("org-drop") },
    });
    expect(rule.status, rule.text).toBe(201);
    expect(rule.body.data).toHaveLength(1);
    expect(rule.body.data[0]).toMatchObject({ publisherId: d.id, field: "publisherOrganization.clientId", operator: "is_not", value: cid("org-drop") });

    const hidden = await detail(drop);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe("NOT_FOUND");
    expect((await detail(keep)).status).toBe(200);
    expect(await total()).toEqual({ total: 1, names: ["rule-keep"] });
    expect((await getAs(d, `/v0/mission?clientId=${cid("rule-drop")}`)).body.total).toBe(0);

    const del = await server.request(`/v0/diffusion-rule/${rule.body.data[0].id}`, { method: "DELETE", apiKey: a.apiKey });
    expect(del.status, del.text).toBe(200);
    expect(del.body).toEqual({ ok: true });
    const back = await detail(drop);
    expect(back.status).toBe(200);
    expect(back.body.data.id).toBe(drop);
    expect(await total()).toEqual({ total: 2, names: ["rule-drop", "rule-keep"] });
  });

  it("an exclusion follows a mission moved into and out of the excluded organisation", async () => {
    await server.allow(d.id, a.id);
    const rule = await server.request("/v0/diffusion-rule", {
      method: "POST",
      apiKey: a.apiKey,
      json: { publisherIds: [d.id], field: "publisherOrganization.clientId", operator: "is_not", value: cid("org-drop") },
    });
    expect(rule.status, rule.text).toBe(201);
    expect((await detail(drop)).status).toBe(404);

    const moveOut = await server.request(`/v2/mission/${cid("rule-drop")}`, {
      method: "PUT",
      apiKey: a.apiKey,
      json: { organizationClientId: cid("org-keep"), organizationName: "Organisation Gardée" },
    });
    expect(moveOut.status, moveOut.text).toBe(200);
    const visible = await detail(drop);
    expect(visible.status).toBe(200);
    expect(visible.body.data.organizationClientId).toBe(cid("org-keep"));
    expect((await total()).total).toBe(2);

    const moveIn = await server.request(`/v2/mission/${cid("rule-keep")}`, {
      method: "PUT",
      apiKey: a.apiKey,
      json: { organizationClientId: cid("org-drop"), organizationName: "Organisation Exclue" },
    });
    expect(moveIn.status, moveIn.text).toBe(200);
    expect((await detail(keep)).status).toBe(404);
    expect(await total()).toEqual({ total: 1, names: ["rule-drop"] });

    // put both back where they were, and the rule away
    await server.request(`/v2/mission/${cid("rule-keep")}`, { method: "PUT", apiKey: a.apiKey, json: { organizationClientId: cid("org-keep"), organizationName: "Organisation Gardée" } });
    await server.request(`/v2/mission/${cid("rule-drop")}`, { method: "PUT", apiKey: a.apiKey, json: { organizationClientId: cid("org-drop"), organizationName: "Organisation Exclue" } });
    expect((await detail(drop)).status).toBe(404);
    expect((await detail(keep)).status).toBe(200);
    await server.request(`/v0/diffusion-rule/${rule.body.data[0].id}`, { method: "DELETE", apiKey: a.apiKey });
    expect((await detail(drop)).status).toBe(200);
  });

  it("a per-organisation exclusion through /v0/myorganization is seen by id at once", async () => {
    await server.allow(d.id, a.id);
    const off = await server.request(`/v0/myorganization/${cid("org-drop")}`, { method: "PUT", apiKey: a.apiKey, json: { publisherIds: [] } });
    expect(off.status, off.text).toBe(200);
    expect((await detail(drop)).status).toBe(404);
    expect((await detail(keep)).status).toBe(200);
    expect(await total()).toEqual({ total: 1, names: ["rule-keep"] });
    const on = await server.request(`/v0/myorganization/${cid("org-drop")}`, { method: "PUT", apiKey: a.apiKey, json: { publisherIds: [d.id] } });
    expect(on.status, on.text).toBe(200);
    expect((await detail(drop)).status).toBe(200);
    expect((await total()).total).toBe(2);
  });

  it("an exclusion of an organisation the diffuseur does not show changes nothing", async () => {
    await server.allow(d.id, a.id);
    const rule = await server.request("/v0/diffusion-rule", {
      method: "POST",
      apiKey: a.apiKey,
      json: { publisherIds: [d.id], field: "publisherOrganization.clientId", operator: "is_not", value: cid("org-nobody") },
    });
    expect(rule.status, rule.text).toBe(201);
    expect((await detail(keep)).status).toBe(200);
    expect((await detail(drop)).status).toBe(200);
    expect((await total()).total).toBe(2);
    await server.request(`/v0/diffusion-rule/${rule.body.data[0].id}`, { method: "DELETE", apiKey: a.apiKey });
  });
});

// ── Legacy v0 shape: the type of every field ──────────────────────────────────────────────────────

describe("legacy v0 mission: type of every field", () => {
  let a: Partner;
  let d: Partner;
  let fullId: string;
  let sparseId: string;
  /** Clock readings around the sparse mission's publication (its default dates fall inside). */
  const sparseWindow = { from: 0, to: 0 };

  const KEYS = [
    "_id", "clientId", "addresses", "audience", "compensationAmount", "compensationUnit", "compensationType", "closeToTransport",
    "createdAt", "deletedAt", "description", "descriptionHtml", "domain", "domainLogo", "duration", "endAt", "lastSyncAt", "metadata",
    "openToMinors", "organizationActions", "organizationBeneficiaries", "organizationCity", "organizationClientId",
    "organizationDescription", "organizationFullAddress", "organizationId", "organizationLogo", "organizationName",
    "organizationPostCode", "organizationRNA", "organizationReseaux", "organizationSiren", "organizationStatusJuridique",
    "organizationType", "organizationUrl", "postedAt", "priority", "publisherId", "publisherName", "publisherUrl", "publisherLogo",
    "reducedMobilityAccessible", "remote", "requirements", "romeSkills", "schedule", "snu", "snuPlaces", "soft_skills", "softSkills",
    "startAt", "statusCode", "statusComment", "tags", "tasks", "title", "type", "places", "updatedAt", "activity", "applicationUrl", "id",
  ];
  const FIRST_ADDRESS_KEYS = ["address", "city", "postalCode", "departmentCode", "departmentName", "country", "location"];
  const TAIL = ["deleted", "statusCommentHistoric"];
  const ADDRESS_KEYS = ["id", "street", "postalCode", "departmentName", "departmentCode", "city", "region", "country", "location", "geoPoint", "geolocStatus"];
  const GEOLOC = ["ENRICHED_BY_PUBLISHER", "ENRICHED_BY_API", "SHOULD_ENRICH", "NOT_FOUND", "FAILED", "NO_DATA"];
  const NEVER = ["activities", "compensationAmountMax", "organizationSiret", "region", "image", "associationLogo", "associationName", "_distance"];

  const isStringArray = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

  beforeAll(async () => {
    a = await server.partner({ annonceur: true, url: "https://annonceur.example.org", logo: "https://annonceur.example.org/logo.png" });
    d = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(d.id, a.id);
    fullId = (await post(a, {
      clientId: cid("full"),
      title: "Accompagner la lecture à la médiathèque",
      description: "<p>Aider les <strong>enfants</strong> à lire des albums.</p>",
      applicationUrl: "https://asso.example.org/candidater/full",
      image: "https://cdn.example.org/mission.jpg",
      metadata: "ref-interne-42",
      postedAt: "2026-01-10T09:00:00Z",
      startAt: "2026-02-01T09:00:00Z",
      endAt: "2026-07-31T17:00:00Z",
      domain: "education",
      activities: ["soutien-scolaire", "animation", "alphabetisation"],
      tags: ["lecture", "enfance"],
      tasks: ["Lire des histoires", "Ranger les livres"],
      audience: ["Enfants"],
      requirements: ["Aimer lire"],
      softSkills: ["Patience", "Écoute"],
      romeSkills: ["100012"],
      remote: "possible",
      schedule: "2 heures par semaine",
      priority: "haute",
      places: 3,
      compensationAmount: 150.5,
      compensationAmountMax: 200,
      compensationUnit: "month",
      compensationType: "net",
      openToMinors: true,
      reducedMobilityAccessible: false,
      closeToTransport: true,
      snu: true,
      snuPlaces: 2,
      type: "volontariat_service_civique",
      addresses: [
        { street: "12 rue des Lilas", postalCode: "75011", city: "Paris", country: "FR", location: { lat: 48.8606, lon: 2.3795 } },
        { street: "5 place Bellecour", postalCode: "69002", city: "Lyon", country: "FR" },
      ],
      organizationClientId: cid("org-full"),
      organizationName: "Lire Ensemble",
      organizationDescription: "Association de promotion de la lecture.",
      organizationUrl: "https://lire-ensemble.example.org",
      organizationType: "Association",
      organizationLogo: "https://lire-ensemble.example.org/logo.png",
      organizationRNA: "W751234567",
      organizationSiren: "123456789",
      organizationSiret: "12345678900012",
      organizationFullAddress: "12 rue des Lilas 75011 Paris",
      organizationPostCode: "75011",
      organizationCity: "Paris",
      organizationStatusJuridique: "Association loi 1901",
      organizationBeneficiaries: ["Enfants", "Familles"],
      organizationActions: ["Lecture publique"],
      organizationReseaux: ["Réseau Lecture"],
    })).id;
    sparseWindow.from = Date.now();
    sparseId = (await post(a, {
      clientId: cid("sparse"),
      title: "Mission minimale",
      description: "Une description courte.",
      applicationUrl: "https://asso.example.org/candidater/sparse",
    })).id;
    sparseWindow.to = Date.now();
  });

  async function views(id: string) {
    const list = await getAs(d, `/v0/mission?limit=100&clientId=${id === fullId ? cid("full") : cid("sparse")}`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const search = await getAs(d, `/v0/mission/search?limit=100&clientId=${id === fullId ? cid("full") : cid("sparse")}`);
    expect(search.body.total).toBe(1);
    const detail = await getAs(d, `/v0/mission/${id}`);
    expect(detail.status).toBe(200);
    expect(Object.keys(detail.body)).toEqual(["ok", "data"]);
    // the same object in the three answers
    expect(detail.body.data).toEqual(list.body.data[0]);
    expect(search.body.hits[0]).toEqual(list.body.data[0]);
    return { list: list.body.data[0] as Json, detail: detail.body.data as Json };
  }

  function checkCommonTypes(m: Json, id: string) {
    expect(m._id).toBe(id);
    expect(m.id).toBe(id);
    expect(typeof m.clientId).toBe("string");
    expect(Array.isArray(m.addresses)).toBe(true);
    for (const k of ["audience", "organizationActions", "organizationBeneficiaries", "organizationReseaux", "requirements", "romeSkills", "soft_skills", "softSkills", "tags", "tasks"]) {
      expect(isStringArray(m[k]), k).toBe(true);
    }
    expect(m.soft_skills).toEqual(m.softSkills);
    expect(m.createdAt).toMatch(ISO);
    expect(m.updatedAt).toMatch(ISO);
    expect(Date.parse(m.updatedAt)).toBeGreaterThanOrEqual(Date.parse(m.createdAt));
    expect(m.deletedAt).toBeNull();
    expect(typeof m.description).toBe("string");
    expect(typeof m.descriptionHtml).toBe("string");
    expect(typeof m.title).toBe("string");
    expect(m.publisherId).toBe(a.id);
    expect(m.publisherName).toBe(a.name);
    expect(typeof m.snu).toBe("boolean");
    expect(m.statusCode).toBe("ACCEPTED");
    expect(typeof m.statusComment).toBe("string");
    expect(Number.isInteger(m.places)).toBe(true);
    expect(m.places).toBeGreaterThan(0);
    expect(m.applicationUrl).toBe(`https://api-engagement.test/r/${id}/${d.id}`);
    expect(m.applicationUrl).toBe(`${server.config.publicUrl}/r/${id}/${d.id}`);
    expect(m.deleted).toBe(false);
    expect(m.statusCommentHistoric).toEqual([]);
    for (const k of NEVER) expect(k in m, k).toBe(false);
    for (const k of ["openToMinors", "reducedMobilityAccessible"]) expect([null, "yes", "no"], k).toContain(m[k]);
    for (const k of ["postedAt", "startAt", "endAt", "lastSyncAt"]) if (m[k] !== null) expect(m[k], k).toMatch(ISO);
    for (const a of m.addresses as Json[]) {
      expect(Object.keys(a)).toEqual(ADDRESS_KEYS);
      expect(typeof a.id).toBe("string");
      for (const k of ["street", "postalCode", "departmentName", "departmentCode", "city", "region", "country"]) {
        expect(a[k] === null || typeof a[k] === "string", k).toBe(true);
      }
      expect(GEOLOC).toContain(a.geolocStatus);
      if (a.location === null) expect(a.geoPoint).toBeNull();
      else {
        expect(Object.keys(a.location)).toEqual(["lat", "lon"]);
        expect(typeof a.location.lat).toBe("number");
        expect(typeof a.location.lon).toBe("number");
        expect(a.geoPoint).toEqual({ type: "Point", coordinates: [a.location.lon, a.location.lat] });
      }
    }
  }

  it("a mission that fills every field", async () => {
    const { list, detail } = await views(fullId);
    for (const m of [list, detail]) {
      expect(Object.keys(m)).toEqual([...KEYS, ...FIRST_ADDRESS_KEYS, ...TAIL]);
      checkCommonTypes(m, fullId);
      expect(m).toMatchObject({
        clientId: cid("full"),
        audience: ["Enfants"],
        compensationAmount: 150.5,
        compensationUnit: "month",
        compensationType: "net",
        closeToTransport: true,
        domain: "education",
        domainLogo: "https://cdn.example.org/mission.jpg",
        metadata: "ref-interne-42",
        openToMinors: "yes",
        reducedMobilityAccessible: "no",
        organizationActions: ["Lecture publique"],
        organizationBeneficiaries: ["Enfants", "Familles"],
        organizationCity: "Paris",
        organizationClientId: cid("org-full"),
        organizationDescription: "Association de promotion de la lecture.",
        organizationFullAddress: "12 rue des Lilas 75011 Paris",
        organizationLogo: "https://lire-ensemble.example.org/logo.png",
        organizationName: "Lire Ensemble",
        organizationPostCode: "75011",
        organizationRNA: "W751234567",
        organizationReseaux: ["Réseau Lecture"],
        organizationSiren: "123456789",
        organizationStatusJuridique: "Association loi 1901",
        organizationType: "Association",
        organizationUrl: "https://lire-ensemble.example.org",
        postedAt: "2026-01-10T09:00:00.000Z",
        priority: "haute",
        publisherUrl: "https://annonceur.example.org",
        publisherLogo: "https://annonceur.example.org/logo.png",
        remote: "possible",
        requirements: ["Aimer lire"],
        romeSkills: ["100012"],
        schedule: "2 heures par semaine",
        snu: true,
        snuPlaces: 2,
        softSkills: ["Patience", "Écoute"],
        startAt: "2026-02-01T09:00:00.000Z",
        endAt: "2026-07-31T17:00:00.000Z",
        statusComment: "",
        tags: ["lecture", "enfance"],
        tasks: ["Lire des histoires", "Ranger les livres"],
        title: "Accompagner la lecture à la médiathèque",
        type: "volontariat_service_civique",
        places: 3,
        activity: "Alphabétisation, Animation, Soutien scolaire",
        address: "12 rue des Lilas",
        city: "Paris",
        postalCode: "75011",
        departmentCode: "75",
        departmentName: "Paris",
        country: "FR",
        location: { lat: 48.8606, lon: 2.3795 },
      });
      expect(typeof m.compensationAmount).toBe("number");
      expect(typeof m.closeToTransport).toBe("boolean");
      expect(Number.isInteger(m.snuPlaces)).toBe(true);
      expect(m.organizationId === null || typeof m.organizationId === "string").toBe(true);
      expect(m.duration === null || Number.isInteger(m.duration)).toBe(true);
      expect(m.lastSyncAt).toMatch(ISO);
      // plain text and HTML
      expect(m.description).toContain("Aider les enfants à lire des albums.");
      expect(m.description).not.toContain("<");
      expect(m.descriptionHtml).toContain("<strong>enfants</strong>");
      // both addresses, in order, with their fields
      expect(m.addresses).toHaveLength(2);
      expect(m.addresses[0]).toMatchObject({
        street: "12 rue des Lilas",
        postalCode: "75011",
        departmentName: "Paris",
        departmentCode: "75",
        city: "Paris",
        region: "Île-de-France",
        country: "FR",
        location: { lat: 48.8606, lon: 2.3795 },
        geoPoint: { type: "Point", coordinates: [2.3795, 48.8606] },
        geolocStatus: "ENRICHED_BY_PUBLISHER",
      });
      expect(m.addresses[1]).toMatchObject({
        street: "5 place Bellecour",
        postalCode: "69002",
        departmentName: "Rhône",
        departmentCode: "69",
        city: "Lyon",
        region: "Auvergne-Rhône-Alpes",
        country: "FR",
      });
      expect(m.addresses[0].id).not.toBe(m.addresses[1].id);
    }
  });

  it("adds a numeric _distance (km) to /search hits with a position, after every other field", async () => {
    const res = await getAs(d, `/v0/mission/search?lat=48.8606&lon=2.3795&distance=5km&clientId=${cid("full")}`);
    expect(res.body.total).toBe(1);
    const hit = res.body.hits[0] as Json;
    expect(Object.keys(hit)).toEqual([...KEYS, ...FIRST_ADDRESS_KEYS, ...TAIL, "_distance"]);
    expect(typeof hit._distance).toBe("number");
    expect(hit._distance).toBeCloseTo(0, 3);
    const { _distance, ...rest } = hit;
    expect(rest).toEqual((await getAs(d, `/v0/mission/${fullId}`)).body.data);
  });

  it("a sparse mission: nulls, empty arrays, defaults, and no flattened address", async () => {
    const { list, detail } = await views(sparseId);
    for (const m of [list, detail]) {
      expect(Object.keys(m)).toEqual([...KEYS, ...TAIL]);
      checkCommonTypes(m, sparseId);
      for (const k of FIRST_ADDRESS_KEYS) expect(k in m, k).toBe(false);
      expect(m.addresses).toEqual([]);
      for (const k of ["audience", "organizationActions", "organizationBeneficiaries", "organizationReseaux", "requirements", "romeSkills", "soft_skills", "softSkills", "tags", "tasks"]) {
        expect(m[k], k).toEqual([]);
      }
      for (const k of [
        "compensationAmount", "compensationUnit", "compensationType", "closeToTransport", "domain", "domainLogo", "duration", "endAt",
        "metadata", "openToMinors", "organizationCity", "organizationClientId", "organizationDescription", "organizationFullAddress",
        "organizationId", "organizationLogo", "organizationName", "organizationPostCode", "organizationRNA", "organizationSiren",
        "organizationStatusJuridique", "organizationType", "organizationUrl", "priority", "reducedMobilityAccessible",
        "schedule", "snuPlaces", "type", "activity",
      ]) {
        expect(m[k], k).toBeNull();
      }
      expect(m.snu).toBe(false);
      expect(m.places).toBe(1);
      expect(m.title).toBe("Mission minimale");
      expect(m.description).toBe("Une description courte.");
      // postedAt and startAt default to the publication time; lastSyncAt is that time too
      for (const k of ["createdAt", "postedAt", "startAt", "lastSyncAt", "updatedAt"]) {
        expect(m[k], k).toMatch(ISO);
        expect(Date.parse(m[k]), k).toBeGreaterThanOrEqual(sparseWindow.from - 1000);
        expect(Date.parse(m[k]), k).toBeLessThanOrEqual(sparseWindow.to + 1000);
      }
    }
  });
});
