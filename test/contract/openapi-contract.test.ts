/**
 * Contract test: real responses of this service validate against the schemas of the OpenAPI document
 * partners code against today (../shared/reference/api-engagement-openapi.yaml, read in place).
 *
 * Where the published document and today's running service disagree, the test follows the running
 * service (legacy-api.md §4.4 and §13); each such exception is applied to the published schema below,
 * by name, before validating.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestServer, type TestServer } from "../support/server.ts";

const CONTRACT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/reference/api-engagement-openapi.yaml");
const hasContract = fs.existsSync(CONTRACT);
if (!hasContract) console.warn(`contract test skipped: ${CONTRACT} not found (it sits beside the repository in CI)`);

type Json = Record<string, unknown>;

/** OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a "null" type (and a null enum value). */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "example" || key === "nullable") continue;
    out[key] = toJsonSchema(value);
  }
  if ((node as Json).nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/** Exceptions, each following the running service as documented in legacy-api.md. */
const EXCEPTIONS: { name: string; apply: (schemas: Record<string, Json>) => void }[] = [
  {
    name: "§4.4: publisherName, publisherUrl and publisherLogo are string|null (null when the annonceur has none)",
    apply: (schemas) => {
      const legacy = (schemas.MissionLegacy?.allOf as Json[])[1]?.properties as Record<string, Json>;
      for (const field of ["publisherName", "publisherUrl", "publisherLogo"]) {
        legacy[field] = { ...legacy[field], type: ["string", "null"] };
      }
    },
  },
];

let server: TestServer;
let ajv: Ajv;
const validators = new Map<string, ReturnType<Ajv["compile"]>>();

function validate(ref: string, value: unknown): string[] {
  let fn = validators.get(ref);
  if (!fn) {
    fn = ajv.compile({ $ref: `contract.json#${ref}` });
    validators.set(ref, fn);
  }
  fn(value);
  return (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe.skipIf(!hasContract)("published OpenAPI contract", () => {
  let annonceur: { id: string; apiKey: string };
  let diffuseur: { id: string; apiKey: string };

  beforeAll(async () => {
    const document = parse(fs.readFileSync(CONTRACT, "utf8")) as Json;
    const converted = toJsonSchema(document) as Json;
    const schemas = (converted.components as Json).schemas as Record<string, Json>;
    for (const exception of EXCEPTIONS) exception.apply(schemas);
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "contract.json", components: converted.components, paths: converted.paths });

    server = await startTestServer();
    annonceur = await server.partner({ annonceur: true });
    diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(diffuseur.id, annonceur.id);
    const base = {
      description: "<p>Accompagner des personnes âgées isolées.</p>",
      applicationUrl: "https://asso.example/candidater",
      domain: "solidarite-insertion",
      activities: ["lutte-contre-isolement"],
      remote: "no",
      openToMinors: true,
      organizationName: "Les Amis des Aînés",
      organizationUrl: "https://amis-aines.example",
      organizationRNA: "W751000000",
    };
    for (const [clientId, extra] of [
      ["contract-1", { title: "Visites de convivialité", addresses: [{ postalCode: "75011", city: "Paris", country: "FR" }] }],
      ["contract-2", { title: "Appels de convivialité", addresses: [] }],
      ["contract-3", { title: "Sorties culturelles accompagnées", compensationAmount: 10, compensationUnit: "day", compensationType: "net" }],
    ] as const) {
      const res = await server.request("/v2/mission", { method: "POST", apiKey: annonceur.apiKey, json: { clientId, ...base, ...extra } });
      expect(res.status, res.text).toBe(201);
      expect(validate("/components/schemas/MissionV2", res.body.data)).toEqual([]);
    }
  });
  afterAll(async () => server?.close());

  it("GET /v0/mission validates against its published 200 response", async () => {
    const res = await server.request("/v0/mission?limit=50", { apiKey: diffuseur.apiKey });
    expect(res.body.total).toBe(3);
    expect(validate("/paths/~1v0~1mission/get/responses/200/content/application~1json/schema", res.body)).toEqual([]);
    for (const mission of res.body.data) expect(validate("/components/schemas/MissionLegacy", mission)).toEqual([]);
  });

  it("GET /v0/mission/search (with a position) validates against its published 200 response", async () => {
    const res = await server.request("/v0/mission/search?lat=48.86&lon=2.37&distance=10km", { apiKey: diffuseur.apiKey });
    expect(res.body.total).toBe(1);
    expect(validate("/paths/~1v0~1mission~1search/get/responses/200/content/application~1json/schema", res.body)).toEqual([]);
  });

  it("GET /v0/mission/{id} validates against its published 200 response, and a missing one against 404", async () => {
    const list = await server.request("/v0/mission?limit=1", { apiKey: diffuseur.apiKey });
    const res = await server.request(`/v0/mission/${list.body.data[0].id}`, { apiKey: diffuseur.apiKey });
    expect(validate("/paths/~1v0~1mission~1{id}/get/responses/200/content/application~1json/schema", res.body)).toEqual([]);
    const missing = await server.request("/v0/mission/does-not-exist", { apiKey: diffuseur.apiKey });
    expect(missing.status).toBe(404);
    expect(validate("/components/schemas/Error", missing.body)).toEqual([]);
  });

  it("a 401 follows the published error envelope (today's plain-text body is a documented bug)", async () => {
    const res = await server.request("/v0/mission", { apiKey: "wrong" });
    expect(res.status).toBe(401);
    expect(validate("/components/schemas/Error", res.body)).toEqual([]);
    expect(res.body.code).toBe("UNAUTHORIZED");
  });
});
