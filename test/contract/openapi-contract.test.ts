/**
 * Contract test: real responses of a real server validate against the schemas of the OpenAPI
 * document partners code against today (../shared/reference/api-engagement-openapi.yaml, read in
 * place), for GET /v0/mission, /v0/mission/search, /v0/mission/{id} and the same routes under
 * /v2/mission.
 *
 * The published schemas declare no `required` property and allow any extra one, so any JSON object
 * validates against them. The test therefore derives a STRICT version (strict-schema.ts): every
 * property a published schema declares is required, and no other property is allowed. Where
 * legacy-api.md (§4 and §13: the code wins over the docs) shows that today's running service omits,
 * nulls, types differently or adds a property, the strict schema follows the running service, and
 * each such difference is named below with the section that justifies it:
 *  - EXCEPTIONS: published properties the running service omits, makes optional, or types otherwise;
 *  - ADDED_PROPERTIES: properties the running service returns that the published schemas don't declare;
 *  - DELIBERATE_DIFFERENCES: where this rebuild knowingly follows neither (decided in its own issues);
 *  - KNOWN_GAPS: where this rebuild deviates from the contract AND from legacy-api.md (bugs to fix in src/).
 * A last test proves the strict validator rejects a missing property and an unexpected one.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";
import { add, componentOf, flattenAllOf, omit, optional, readContract, responseOf, retype, type Schema, strictify } from "./strict-schema.ts";

const CONTRACT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/reference/api-engagement-openapi.yaml");
const hasContract = fs.existsSync(CONTRACT);
if (!hasContract) console.warn(`contract test skipped: ${CONTRACT} not found (it sits beside the repository in CI)`);

/** The strict schemas, as `definitions` of one document (`strict.json`). */
interface StrictSchemas {
  MissionLegacy: Schema;
  Address: Schema;
  Error: Schema;
  ListResponse: Schema;
  SearchResponse: Schema;
  DetailResponse: Schema;
}

const NULLABLE_STRING = { type: ["string", "null"] };
const STRINGS = { type: "array", items: { type: "string" } };

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Table 1. Published properties the running service omits, makes optional or types otherwise.
// ──────────────────────────────────────────────────────────────────────────────────────────────────
interface ContractException {
  /** The property (or group of properties) concerned. */
  name: string;
  /** The section of legacy-api.md (/work/shared/reference/legacy-api.md) that justifies it. */
  section: string;
  /** What today's running service does, and so this service (a drop-in replacement). */
  runningService: string;
  apply: (s: StrictSchemas) => void;
}

/** The flattened first-address fields of MissionLegacy (`location` is published, the others are added). */
const FIRST_ADDRESS_FIELDS = ["address", "city", "postalCode", "departmentCode", "departmentName", "country", "location"];

const EXCEPTIONS: ContractException[] = [
  {
    name: "activities",
    section: "§13 (row `activities` in MissionLegacy) and §4.4 (“Not exposed in v0: activities[]”)",
    runningService: "absent; only `activity`, the activity names sorted and joined with \", \"",
    apply: (s) => omit(s.MissionLegacy, "activities"),
  },
  {
    name: "moderation_<moderatorId>_status / _comment (and _date, _title)",
    section: "§13 (row JVA `moderation_*` fields on MissionLegacy) and §4.4 (“Not exposed in v0: the moderation_* fields”)",
    runningService:
      "absent from /v0/mission*, even for a moderator diffuseur or a moderated mission; only /v0/mymission has them. " +
      "The published MissionLegacy lists them in its description, not as properties, so `additionalProperties: false` " +
      "already rejects them; the pattern below says it explicitly",
    apply: (s) => {
      s.MissionLegacy.propertyNames = { not: { pattern: "^moderation_" } };
    },
  },
  {
    name: "duration",
    section: "§13 (row `duration`: hours in the docs, months in the code) and §4.4 (`duration`)",
    runningService: "an integer number of MONTHS between startAt and endAt (XML imports), or null; the published description says hours. Same JSON type, so the schema keeps integer|null",
    apply: (s) => retype(s.MissionLegacy, "duration", { description: "Months between startAt and endAt (legacy-api.md §13), not hours" }),
  },
  {
    name: "statusCode",
    section: "§13 (row Mission `statusCode` enum: ACCEPTED and REFUSED only) and §4.4 (`statusCode`: always ACCEPTED here)",
    runningService: "always \"ACCEPTED\" in diffuseur results (the published enum also lists REFUSED, PENDING, ONGOING)",
    apply: (s) => retype(s.MissionLegacy, "statusCode", { enum: ["ACCEPTED"] }),
  },
  {
    name: "image, compensationAmountMax, organizationSiret",
    section: "§4.4 (“Not exposed in v0: compensationAmountMax, organizationSiret”; the image is `domainLogo`, “`image` in v2”)",
    runningService: "absent (declared by the published Mission that MissionLegacy extends)",
    apply: (s) => {
      for (const field of ["image", "compensationAmountMax", "organizationSiret"]) omit(s.MissionLegacy, field);
    },
  },
  {
    name: "publisherName, publisherUrl, publisherLogo",
    section: "§4.4 (`publisherName`/`publisherUrl`/`publisherLogo`: string|null, the ANNONCEUR's)",
    runningService: "null when the annonceur has none (published: non-null string); and they describe the annonceur, not the diffuseur as the published descriptions say",
    apply: (s) => {
      for (const field of ["publisherName", "publisherUrl", "publisherLogo"]) retype(s.MissionLegacy, field, NULLABLE_STRING);
    },
  },
  {
    name: "description",
    section: "§4.4 (`description`: string|null, plain text converted from the HTML)",
    runningService: "string or null (published: non-null string); the annonceur's HTML is in `descriptionHtml`",
    apply: (s) => retype(s.MissionLegacy, "description", NULLABLE_STRING),
  },
  {
    name: "applicationUrl",
    section: "§4.4 (`applicationUrl`: string, the tracked link `${API_URL}/r/{missionId}/{callerPublisherId}`)",
    runningService: "always the tracked link, never null (published: nullable)",
    apply: (s) => retype(s.MissionLegacy, "applicationUrl", { type: "string" }),
  },
  {
    name: "deletedAt",
    section: "§4.4 (`deletedAt`: “always null in diffuseur results”)",
    runningService: "null (published: nullable date-time)",
    apply: (s) => retype(s.MissionLegacy, "deletedAt", { type: "null" }),
  },
  {
    name: "first-address fields (location, plus the added address, city, postalCode, departmentCode, departmentName, country)",
    section: "§4.4 (“`address`/`city`/… are absent when the mission has no address”; `location`: first address coordinates)",
    runningService: "present (copied from the first address) when the mission has an address, absent otherwise",
    apply: (s) => {
      optional(s.MissionLegacy, "location");
      s.MissionLegacy.if = { required: ["addresses"], properties: { addresses: { minItems: 1 } } };
      s.MissionLegacy.then = { required: FIRST_ADDRESS_FIELDS };
      s.MissionLegacy.else = { not: { anyOf: FIRST_ADDRESS_FIELDS.map((field) => ({ required: [field] })) } };
    },
  },
  {
    name: "Error.message",
    section: "§4.3 (404 `{ok:false, code:\"NOT_FOUND\"}`) and §2.5 (`{ok:false, code, message?}`)",
    runningService: "an error body may have no `message` (this service always sends one; the 401 check requires it)",
    apply: (s) => optional(s.Error, "message"),
  },
];

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Table 2. Properties the running service returns that the published schemas don't declare.
// Each is allowed by name (with its type from legacy-api.md); anything else is rejected.
// ──────────────────────────────────────────────────────────────────────────────────────────────────
interface AddedProperty {
  target: "MissionLegacy" | "Address";
  name: string;
  section: string;
  schema: Schema;
  /** `with an address`: only when `addresses` is not empty; `search hits with a position`: `_distance`. */
  presence: "always" | "with an address" | "search hits with a position";
}

const MISSION_ADDITION = "§4.4 (MissionLegacy field table)";
const ADDED_PROPERTIES: AddedProperty[] = [
  { target: "MissionLegacy", name: "closeToTransport", section: `${MISSION_ADDITION}: raw boolean|null`, schema: { type: ["boolean", "null"] }, presence: "always" },
  { target: "MissionLegacy", name: "descriptionHtml", section: `${MISSION_ADDITION}: string|null`, schema: NULLABLE_STRING, presence: "always" },
  { target: "MissionLegacy", name: "lastSyncAt", section: `${MISSION_ADDITION}: ISO|null`, schema: { type: ["string", "null"], format: "date-time" }, presence: "always" },
  { target: "MissionLegacy", name: "organizationId", section: `${MISSION_ADDITION}: string|null`, schema: NULLABLE_STRING, presence: "always" },
  { target: "MissionLegacy", name: "priority", section: `${MISSION_ADDITION}: string|null`, schema: NULLABLE_STRING, presence: "always" },
  { target: "MissionLegacy", name: "snu", section: `${MISSION_ADDITION}: boolean`, schema: { type: "boolean" }, presence: "always" },
  { target: "MissionLegacy", name: "snuPlaces", section: `${MISSION_ADDITION}: int|null`, schema: { type: ["integer", "null"] }, presence: "always" },
  { target: "MissionLegacy", name: "soft_skills", section: `${MISSION_ADDITION}: string[], legacy alias of softSkills`, schema: STRINGS, presence: "always" },
  { target: "MissionLegacy", name: "tasks", section: `${MISSION_ADDITION}: string[]`, schema: STRINGS, presence: "always" },
  { target: "MissionLegacy", name: "deleted", section: `${MISSION_ADDITION}: deletedAt !== null, so false here`, schema: { const: false }, presence: "always" },
  { target: "MissionLegacy", name: "statusCommentHistoric", section: `${MISSION_ADDITION}: always []`, schema: { type: "array", maxItems: 0 }, presence: "always" },
  // §4.4 types these `string`; they are copies of the first address's fields, which the published
  // Address (and §4.4's address object) declare nullable: an address without a street gives `address: null`.
  ...["address", "city", "postalCode", "departmentCode", "departmentName", "country"].map(
    (name): AddedProperty => ({ target: "MissionLegacy", name, section: `${MISSION_ADDITION}: first address field`, schema: NULLABLE_STRING, presence: "with an address" }),
  ),
  {
    target: "MissionLegacy",
    name: "_distance",
    section: "§4.2 and §4.4: km from the query lat/lon, /search hits only, omitted without lat/lon or location",
    schema: { type: "number", minimum: 0 },
    presence: "search hits with a position",
  },
  { target: "Address", name: "id", section: "§4.4 (`addresses` item)", schema: { type: "string" }, presence: "always" },
  ...["location", "geoPoint"].map(
    (name): AddedProperty => ({
      target: "Address",
      name,
      section: "§4.4 (`addresses` item: location {lat,lon}|null, geoPoint {type:\"Point\", coordinates:[lon,lat]}|null)",
      schema:
        name === "location"
          ? { type: ["object", "null"], required: ["lat", "lon"], additionalProperties: false, properties: { lat: { type: "number" }, lon: { type: "number" } } }
          : {
              type: ["object", "null"],
              required: ["type", "coordinates"],
              additionalProperties: false,
              properties: { type: { const: "Point" }, coordinates: { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 } },
            },
      presence: "always",
    }),
  ),
  {
    target: "Address",
    name: "geolocStatus",
    section: "§4.4 (`addresses` item: geolocStatus)",
    schema: { enum: ["ENRICHED_BY_PUBLISHER", "ENRICHED_BY_API", "SHOULD_ENRICH", "NOT_FOUND", "FAILED", "NO_DATA"] },
    presence: "always",
  },
];

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Table 3. Where this rebuild deliberately differs from today's running service (decided in its own
// issues and listed in /docs, src/http/api-description.ts « Écarts volontaires avec l'API actuelle »).
// ──────────────────────────────────────────────────────────────────────────────────────────────────
interface DeliberateDifference {
  name: string;
  decidedBy: string;
  runningService: string;
  thisService: string;
  apply?: (s: StrictSchemas) => void;
}

const BUCKETS = { type: "array", items: { type: "object", required: ["key", "doc_count"], additionalProperties: false, properties: { key: { type: "string" }, doc_count: { type: "integer", minimum: 1 } } } };

const DELIBERATE_DIFFERENCES: DeliberateDifference[] = [
  {
    name: "401 body",
    decidedBy: "the foundation issue of this rebuild (« 401 en JSON »)",
    runningService: "§2.2 and §13 (row 401 body): text/plain `Unauthorized` (passport default)",
    thisService: "JSON `{ok:false, code:\"UNAUTHORIZED\", message}`, as the published `Unauthorized` response documents",
  },
  {
    name: "facets publishers, remote, type",
    decidedBy: "« Facettes exactes » of this rebuild (counted over the whole result, with three more facets)",
    runningService: "§4.2: `facets` has departmentName, activities and domains only (counted over the returned page, §13)",
    thisService: "also `publishers`, `remote` and `type`, same `{key, doc_count}` buckets",
    apply: (s) => {
      for (const name of ["publishers", "remote", "type"]) s.SearchResponse.properties.facets.properties[name] = BUCKETS;
      s.SearchResponse.properties.facets.required.push("publishers", "remote", "type");
    },
  },
  {
    name: "_distance value",
    decidedBy: "« Vrai rayon » of this rebuild",
    runningService: "§4.2: km to the FIRST address (the geo filter is a bounding box)",
    thisService: "km to the NEAREST address within a true circle; same type (number), so no schema change",
  },
  {
    name: "duration for missions published through POST /v2/mission",
    decidedBy: "« Écarts volontaires » of this rebuild (`duration` computed for every mission)",
    runningService: "§4.4 (`duration`: “v2: always null”) and §13 (row `duration`: “null via v2”)",
    thisService: "the months between startAt and endAt, whichever way the mission came (API or feed); same type",
  },
];

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Table 4. KNOWN GAPS: this service deviates from the published contract AND from legacy-api.md.
// Not fixed here (src/ is out of this test's scope); each check asserts today's behaviour so that
// the entry is removed once src/ is fixed.
// ──────────────────────────────────────────────────────────────────────────────────────────────────
interface KnownGap {
  name: string;
  contract: string;
  legacy: string;
  observed: string;
}

const KNOWN_GAPS: KnownGap[] = [];

/** The strict schemas: the published ones made strict, then the four tables applied. */
function buildStrictSchemas(document: Schema): StrictSchemas {
  const ref = (published: string) => {
    const name = published.replace("#/components/schemas/", "");
    if (!["Address", "MissionLegacy", "Error"].includes(name)) throw new Error(`no strict version of ${published}`);
    return `#/definitions/${name}`;
  };
  const s: StrictSchemas = {
    MissionLegacy: strictify(flattenAllOf(document, componentOf(document, "#/components/schemas/MissionLegacy")), ref),
    Address: strictify(componentOf(document, "#/components/schemas/Address"), ref),
    Error: strictify(componentOf(document, "#/components/schemas/Error"), ref),
    ListResponse: strictify(responseOf(document, "/v0/mission"), ref),
    SearchResponse: strictify(responseOf(document, "/v0/mission/search"), ref),
    DetailResponse: strictify(responseOf(document, "/v0/mission/{id}"), ref),
  };
  for (const added of ADDED_PROPERTIES) add(s[added.target], added.name, added.schema, added.presence === "always" ? "always" : "optional");
  for (const exception of EXCEPTIONS) exception.apply(s);
  for (const difference of DELIBERATE_DIFFERENCES) difference.apply?.(s);
  return s;
}

/** Variants of the strict schemas for one kind of answer. */
function definitions(s: StrictSchemas): Record<string, Schema> {
  // `_distance` belongs to /search hits only: forbidden elsewhere, required when a position was given.
  const { _distance, ...withoutDistance } = s.MissionLegacy.properties;
  const MissionLegacy = { ...s.MissionLegacy, properties: withoutDistance };
  const SearchHitWithDistance = { ...s.MissionLegacy, required: [...s.MissionLegacy.required, "_distance"] };
  const hits = (item: string) => ({ ...s.SearchResponse, properties: { ...s.SearchResponse.properties, hits: { type: "array", items: { $ref: `#/definitions/${item}` } } } });
  return {
    ...s,
    MissionLegacy,
    SearchHit: s.MissionLegacy,
    SearchHitWithDistance,
    SearchResponse: hits("SearchHit"),
    SearchResponseWithPosition: hits("SearchHitWithDistance"),
    // The deliberate JSON 401 (table 3) always carries a message.
    Unauthorized: { ...s.Error, required: ["ok", "code", "message"], properties: { ...s.Error.properties, ok: { const: false }, code: { const: "UNAUTHORIZED" }, message: { type: "string", minLength: 1 } } },
  };
}

/** A mission that fills every field an annonceur can send, with several addresses. */
const FULL = {
  clientId: "contract-full",
  title: "Visites de convivialité auprès de personnes âgées",
  description: "<p>Accompagner <strong>des personnes âgées isolées</strong> :</p><ul><li>visites à domicile</li><li>sorties</li></ul>",
  applicationUrl: "https://amis-aines.example/missions/visites",
  image: "https://amis-aines.example/images/visites.jpg",
  metadata: "ref-interne-42",
  postedAt: "2025-01-02T10:00:00.000Z",
  startAt: "2025-02-01T00:00:00.000Z",
  endAt: "2025-08-01T00:00:00.000Z",
  domain: "solidarite-insertion",
  activities: ["lutte-contre-isolement", "animation"],
  tags: ["Seniors", "Solidarité"],
  tasks: ["Rendre visite", "Organiser des sorties"],
  audience: ["Personnes âgées"],
  requirements: ["Disponible le samedi"],
  softSkills: ["Écoute active"],
  romeSkills: ["300412"],
  remote: "possible",
  schedule: "2 heures par semaine",
  priority: "haute",
  places: 3,
  compensationAmount: 10,
  compensationAmountMax: 20,
  compensationUnit: "day",
  compensationType: "net",
  openToMinors: true,
  reducedMobilityAccessible: false,
  closeToTransport: true,
  snu: true,
  snuPlaces: 2,
  type: "benevolat",
  addresses: [
    { street: "12 rue de la Roquette", postalCode: "75011", city: "Paris", country: "FR" },
    { street: "3 place Bellecour", postalCode: "69002", city: "Lyon", country: "FR", location: { lat: 45.757, lon: 4.832 } },
    { postalCode: "13001", city: "Marseille", country: "FR" },
  ],
  organizationClientId: "amis-aines",
  organizationName: "Les Amis des Aînés",
  organizationDescription: "Association de lutte contre l'isolement des personnes âgées.",
  organizationUrl: "https://amis-aines.example",
  organizationType: "Association déclarée",
  organizationLogo: "https://amis-aines.example/logo.png",
  organizationRNA: "W751000000",
  organizationSiren: "123456789",
  organizationSiret: "12345678900011",
  organizationFullAddress: "1 rue Oberkampf 75011 Paris",
  organizationPostCode: "75011",
  organizationCity: "Paris",
  organizationStatusJuridique: "Association loi 1901",
  organizationBeneficiaries: ["Personnes âgées"],
  organizationActions: ["Visites", "Sorties"],
  organizationReseaux: ["Réseau national des Amis"],
};

/** A mission abroad: an address with no street, no department and no coordinates. */
const ABROAD = {
  clientId: "contract-abroad",
  title: "Soutien scolaire à Bruxelles",
  description: "Aider des collégiens à faire leurs devoirs.",
  applicationUrl: "https://amis-aines.example/missions/bruxelles",
  domain: "education",
  activities: ["soutien-scolaire"],
  remote: "no",
  addresses: [{ city: "Bruxelles", country: "BE" }],
  organizationName: "Les Amis des Aînés",
};

/** The least an annonceur can send: no address, no organisation, from an annonceur without url or logo. */
const SPARSE = {
  clientId: "contract-sparse",
  title: "Appels de convivialité",
  description: "Appeler des personnes isolées une fois par semaine.",
  applicationUrl: "https://autre.example/candidater",
};

type Mission = Record<string, unknown>;

describe.skipIf(!hasContract)("published OpenAPI contract (strict, with named exceptions)", () => {
  let server: TestServer;
  let published: Schema;
  let strictAjv: Ajv;
  let publishedAjv: Ajv;
  let annonceur: { id: string; name: string; apiKey: string };
  let bare: { id: string; name: string; apiKey: string };
  let diffuseur: { id: string; apiKey: string };
  let moderator: { id: string; apiKey: string };
  const ids: Record<string, string> = {};

  /** Errors of `value` against a strict definition (empty when valid). */
  function strict(definition: string, value: unknown): string[] {
    const fn = strictAjv.getSchema(`strict.json#/definitions/${definition}`);
    if (!fn) throw new Error(`no strict definition ${definition}`);
    fn(value);
    return (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** Errors of `value` against the published (lenient) schema at a JSON pointer of the document. */
  function lenient(pointer: string, value: unknown): string[] {
    const fn = publishedAjv.getSchema(`published.json#${pointer}`);
    if (!fn) throw new Error(`no published schema at ${pointer}`);
    fn(value);
    return (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  }

  const get = (url: string, apiKey = diffuseur.apiKey) => server.request(url, { apiKey });
  const byClientId = (missions: Mission[], clientId: string) => {
    const found = missions.find((m) => m.clientId === clientId);
    if (!found) throw new Error(`${clientId} not in the answer`);
    return found;
  };

  beforeAll(async () => {
    published = readContract(CONTRACT);
    const newAjv = () => {
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats.default(ajv);
      return ajv;
    };
    strictAjv = newAjv();
    strictAjv.addSchema({ $id: "strict.json", definitions: definitions(buildStrictSchemas(published)) });
    publishedAjv = newAjv();
    publishedAjv.addSchema({ $id: "published.json", components: published.components, paths: published.paths });

    server = await startTestServer();
    annonceur = await server.partner({ annonceur: true, url: "https://amis-aines.example", logo: "https://amis-aines.example/logo.png" });
    bare = await server.partner({ annonceur: true });
    diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    moderator = await server.partner({ annonceur: false, diffuseur: true, moderator: true });
    await server.allow(diffuseur.id, annonceur.id);
    await server.allow(diffuseur.id, bare.id);
    await server.allow(moderator.id, annonceur.id);
    for (const [owner, mission] of [[annonceur, FULL], [annonceur, ABROAD], [bare, SPARSE]] as const) {
      const res = await server.request("/v2/mission", { method: "POST", apiKey: owner.apiKey, json: mission });
      expect(res.status, res.text).toBe(201);
      expect(res.body.data.statusCode, res.text).toBe("ACCEPTED");
      ids[mission.clientId] = res.body.data.id;
    }
    // The moderator accepted the full mission with its own title and a comment: /v0/mymission then
    // shows moderation_<moderatorId>_* fields, which the v0 diffuseur routes must not (§13).
    await server.database.db
      .insertInto("mission_moderation_status")
      .values({ mission_id: ids[FULL.clientId] as string, publisher_id: moderator.id, status: "ACCEPTED", title: "Visites relues par le modérateur", comment: "Relue", note: null })
      .execute();
  });
  afterAll(async () => server?.close());

  it("the published schemas cannot fail on their own: no `required`, extra properties allowed", () => {
    const legacy = flattenAllOf(published, componentOf(published, "#/components/schemas/MissionLegacy"));
    expect(legacy.required).toBeUndefined();
    expect(legacy.additionalProperties).toBeUndefined();
    expect(lenient("/components/schemas/MissionLegacy", {})).toEqual([]);
    expect(lenient("/components/schemas/MissionLegacy", { anything: 1 })).toEqual([]);
    // The exception tables are consistent with the document: building them throws otherwise (an
    // omitted or retyped property must be declared, an added one must not be).
    expect(() => buildStrictSchemas(published)).not.toThrow();
    expect(EXCEPTIONS.every((e) => e.section.startsWith("§") && e.runningService.length > 0)).toBe(true);
    expect(ADDED_PROPERTIES.every((a) => a.section.startsWith("§"))).toBe(true);
  });

  it("GET /v0/mission: the envelope and every mission (full, abroad, sparse) validate strictly", async () => {
    const res = await get("/v0/mission?limit=50");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(strict("ListResponse", res.body)).toEqual([]);
    for (const mission of res.body.data as Mission[]) expect(strict("MissionLegacy", mission), String(mission.clientId)).toEqual([]);

    // The full mission fills every field, so the non-null branch of every type is checked:
    // its only nulls are deletedAt (§4.4) and organizationId (no verified reference organisation).
    const full = byClientId(res.body.data, FULL.clientId);
    expect(Object.keys(full).filter((k) => full[k] === null).sort()).toEqual(["deletedAt", "organizationId"]);
    for (const [k, v] of Object.entries(full)) if (Array.isArray(v) && k !== "statusCommentHistoric") expect(v.length, k).toBeGreaterThan(0);
    expect((full.addresses as unknown[]).length).toBe(3);
    // The sparse one has no address, hence no first-address field; the abroad one has nulls in them.
    const sparse = byClientId(res.body.data, SPARSE.clientId);
    for (const field of FIRST_ADDRESS_FIELDS) expect(sparse, field).not.toHaveProperty(field);
    expect(sparse).toMatchObject({ publisherUrl: null, publisherLogo: null, organizationName: null });
    const abroad = byClientId(res.body.data, ABROAD.clientId);
    expect(abroad).toMatchObject({ address: null, location: null, city: "Bruxelles", country: "BE" });
  });

  it("GET /v0/mission/search with a position: hits carry `_distance`, facets validate strictly", async () => {
    const res = await get("/v0/mission/search?lat=48.86&lon=2.37&distance=10km");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(strict("SearchResponseWithPosition", res.body)).toEqual([]);
    expect(res.body.hits[0].clientId).toBe(FULL.clientId);
    expect(typeof res.body.hits[0]._distance).toBe("number");
    expect(res.body.facets.domains).toEqual([{ key: "solidarite-insertion", doc_count: 1 }]);
  });

  it("GET /v0/mission/search without a position: no `_distance`, facets over all three missions", async () => {
    const res = await get("/v0/mission/search?limit=50");
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(strict("SearchResponse", res.body)).toEqual([]);
    for (const hit of res.body.hits as Mission[]) expect(hit).not.toHaveProperty("_distance");
    // `_distance` is forbidden outside /search hits.
    expect(strict("MissionLegacy", { ...res.body.hits[0], _distance: 1 })).not.toEqual([]);
    expect(res.body.facets.domains.map((b: { key: string }) => b.key).sort()).toEqual(["education", "solidarite-insertion"]);
  });

  it("GET /v0/mission/{id}: each mission validates strictly; an unknown id gives the strict Error", async () => {
    for (const clientId of [FULL.clientId, ABROAD.clientId, SPARSE.clientId]) {
      const res = await get(`/v0/mission/${ids[clientId]}`);
      expect(res.status, clientId).toBe(200);
      expect(strict("DetailResponse", res.body), clientId).toEqual([]);
    }
    const missing = await get("/v0/mission/does-not-exist");
    expect(missing.status).toBe(404);
    expect(strict("Error", missing.body)).toEqual([]);
    expect(missing.body).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("the /v2/mission GET mount answers the same strictly valid bodies", async () => {
    const pairs: [string, string, string][] = [
      ["/v0/mission?limit=50", "/v2/mission?limit=50", "ListResponse"],
      ["/v0/mission/search?lat=48.86&lon=2.37&distance=10km", "/v2/mission/search?lat=48.86&lon=2.37&distance=10km", "SearchResponseWithPosition"],
      ["/v0/mission/search?limit=50", "/v2/mission/search?limit=50", "SearchResponse"],
      ...[FULL, ABROAD, SPARSE].map((m): [string, string, string] => [`/v0/mission/${ids[m.clientId]}`, `/v2/mission/${ids[m.clientId]}`, "DetailResponse"]),
    ];
    for (const [v0, v2, definition] of pairs) {
      const res = await get(v2);
      expect(res.status, v2).toBe(200);
      expect(strict(definition, res.body), v2).toEqual([]);
      expect(res.body, v2).toEqual((await get(v0)).body);
    }
  });

  it("a moderator diffuseur's missions validate strictly, without moderation_* fields (§13)", async () => {
    const mine = await server.request(`/v0/mymission/${FULL.clientId}`, { apiKey: annonceur.apiKey });
    expect(mine.body.data[`moderation_${moderator.id}_status`]).toBe("ACCEPTED");
    for (const url of ["/v0/mission?limit=50", "/v0/mission/search?limit=50", `/v0/mission/${ids[FULL.clientId]}`]) {
      const res = await get(url, moderator.apiKey);
      expect(res.status, url).toBe(200);
      const missions: Mission[] = res.body.data ? [res.body.data].flat() : res.body.hits;
      expect(missions.map((m) => m.title), url).toEqual(["Visites relues par le modérateur"]);
      for (const m of missions) {
        expect(strict("MissionLegacy", m), url).toEqual([]);
        expect(Object.keys(m).filter((k) => k.startsWith("moderation_")), url).toEqual([]);
      }
    }
  });

  it("the §4.4/§13 exceptions are what the service does with a full mission", async () => {
    const m = (await get(`/v0/mission/${ids[FULL.clientId]}`)).body.data;
    // Sent in the body, but not exposed in v0 (table 1).
    for (const field of ["activities", "image", "compensationAmountMax", "organizationSiret"]) expect(m, field).not.toHaveProperty(field);
    expect(m.activity).toBe("Animation, Lutte contre l'isolement");
    expect(m.domainLogo).toBe(FULL.image);
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.applicationUrl).toBe(`${server.config.publicUrl}/r/${m.id}/${diffuseur.id}`);
    expect(m.publisherName).toBe(annonceur.name);
    expect(m.deletedAt).toBeNull();
    expect(m).toMatchObject({ closeToTransport: true, openToMinors: "yes", reducedMobilityAccessible: "no", snu: true, deleted: false, statusCommentHistoric: [] });
    expect(m.address).toBe(FULL.addresses[0]?.street);
  });

  it("401 (deliberate difference, table 3): JSON {ok:false, code:UNAUTHORIZED, message} on every route", async () => {
    for (const url of ["/v0/mission", "/v0/mission/search", `/v0/mission/${ids[FULL.clientId]}`, "/v2/mission", "/v2/mission/search"]) {
      for (const apiKey of ["not-a-key", undefined]) {
        const res = await server.request(url, { apiKey });
        expect(res.status, url).toBe(401);
        expect(res.headers.get("content-type"), url).toMatch(/^application\/json/);
        expect(strict("Unauthorized", res.body), `${url} ${res.text}`).toEqual([]);
      }
    }
  });

  it("has no known gap, and fills duration for a mission published through v2 (a deliberate difference)", async () => {
    expect(KNOWN_GAPS).toEqual([]);
    const m = (await get(`/v0/mission/${ids[FULL.clientId]}`)).body.data;
    // startAt 2025-02-01 → endAt 2025-08-01: 6 months (today's v2 missions: null).
    expect(m.duration).toBe(6);
  });

  it("the strict validator fails on a missing property or an unexpected one (the published one does not)", async () => {
    const list = (await get("/v0/mission?limit=50")).body;
    const full = byClientId(list.data, FULL.clientId);
    const sparse = byClientId(list.data, SPARSE.clientId);
    const { title: _title, ...withoutTitle } = full;
    const { total: _total, ...withoutTotal } = list;
    const firstAddress = (full.addresses as Mission[])[0] as Mission;
    const mutations: [string, string, unknown][] = [
      ["missing title", "MissionLegacy", withoutTitle],
      ["missing total", "ListResponse", withoutTotal],
      ["activities back (§13 exception)", "MissionLegacy", { ...full, activities: ["animation"] }],
      ["moderation field (§13 exception)", "MissionLegacy", { ...full, [`moderation_${moderator.id}_status`]: "ACCEPTED" }],
      ["unknown field", "MissionLegacy", { ...full, region: "Île-de-France" }],
      ["address with the example's `zip`", "MissionLegacy", { ...full, addresses: [{ ...firstAddress, zip: "75011" }] }],
      ["first-address field without an address", "MissionLegacy", { ...sparse, city: "Paris" }],
      ["missing first-address field", "MissionLegacy", { ...full, city: undefined }],
      ["wrong type", "MissionLegacy", { ...full, openToMinors: true }],
      ["list item missing in an envelope", "ListResponse", { ...list, data: [withoutTitle] }],
    ];
    for (const [name, definition, value] of mutations) {
      const json = JSON.parse(JSON.stringify(value));
      expect(strict(definition, json), name).not.toEqual([]);
    }
    // The same missing and extra properties pass the published schemas: the reason for the strict version.
    expect(lenient("/components/schemas/MissionLegacy", JSON.parse(JSON.stringify(withoutTitle)))).toEqual([]);
    expect(lenient("/components/schemas/MissionLegacy", { ...full, region: "Île-de-France", [`moderation_${moderator.id}_status`]: "ACCEPTED" })).toEqual([]);
    expect(lenient("/paths/~1v0~1mission/get/responses/200/content/application~1json/schema", { ...withoutTotal, data: [full] })).toEqual([]);
  });
});
