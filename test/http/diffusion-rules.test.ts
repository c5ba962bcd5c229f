/**
 * Black-box tests of `GET|POST /v0/diffusion-rule` and `DELETE /v0/diffusion-rule/:id`
 * (reference: legacy-api.md §5.7 and §6.1).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowDiffusion } from "../../src/diffusion/repository.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const CLIENT_ID = "publisherOrganization.clientId";
const PARENTS = "publisherOrganization.parentOrganizations";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

type Partner = { id: string; name: string; apiKey: string };

/** A fresh world: annonceurs A and B, A's diffuseurs (sorted names), a diffuseur shared with B, one of B's only, one stranger. */
async function world() {
  const tag = Math.random().toString(36).slice(2, 8);
  const a = await server.partner({ name: `Annonceur A ${tag}`, annonceur: true });
  const b = await server.partner({ name: `Annonceur B ${tag}`, annonceur: true });
  // Created out of alphabetical order on purpose.
  const charlie = await server.partner({ name: `Charlie ${tag}`, annonceur: false, diffuseur: true });
  const alpha = await server.partner({
    name: `Alpha ${tag}`,
    annonceur: false,
    diffuseur: true,
    logo: `https://cdn.example.org/${tag}/alpha.png`,
  });
  const bravo = await server.partner({ name: `Bravo ${tag}`, annonceur: false, diffuseur: true });
  const onlyB = await server.partner({ name: `Delta ${tag}`, annonceur: false, diffuseur: true });
  const stranger = await server.partner({ name: `Echo ${tag}`, annonceur: false, diffuseur: true });
  await server.allow(alpha.id, a.id);
  await server.allow(bravo.id, a.id);
  await server.allow(charlie.id, a.id);
  await server.allow(charlie.id, b.id); // shared: diffuses both A and B
  await server.allow(onlyB.id, b.id);
  return { tag, a, b, alpha, bravo, charlie, onlyB, stranger };
}

async function listRules(owner: Partner, query = "") {
  const res = await server.request(`/v0/diffusion-rule${query}`, { apiKey: owner.apiKey });
  expect(res.status).toBe(200);
  return res.body as {
    ok: boolean;
    total: number;
    data: { id: string; name: string; logo: string | null; rules: Rule[]; diffuse?: boolean }[];
  };
}

interface Rule {
  id: string;
  field: string;
  fieldType: string;
  operator: string;
  value: string;
}

async function postRule(owner: Partner, body: Record<string, unknown>) {
  return server.request("/v0/diffusion-rule", { method: "POST", apiKey: owner.apiKey, json: body });
}

async function createRule(owner: Partner, body: Record<string, unknown>) {
  const res = await postRule(owner, body);
  expect(res.status, res.text).toBe(201);
  return res.body as { ok: boolean; total: number; data: (Rule & { publisherId: string })[] };
}

const previewQuery = (field: string, value: string) =>
  `?field=${encodeURIComponent(field)}&value=${encodeURIComponent(value)}`;

const diffuseById = (body: { data: { id: string; diffuse?: boolean }[] }) =>
  Object.fromEntries(body.data.map((d) => [d.id, d.diffuse]));

describe("GET /v0/diffusion-rule", () => {
  it("lists exactly my diffuseurs, by name, as {id, name, logo, rules}", async () => {
    const w = await world();
    const body = await listRules(w.a);
    expect(body.ok).toBe(true);
    expect(body.total).toBe(3);
    expect(body.data.map((d) => d.id)).toEqual([w.alpha.id, w.bravo.id, w.charlie.id]);
    expect(body.data.map((d) => d.name)).toEqual([`Alpha ${w.tag}`, `Bravo ${w.tag}`, `Charlie ${w.tag}`]);
    for (const item of body.data) {
      expect(Object.keys(item).sort()).toEqual(["id", "logo", "name", "rules"]);
      expect(item.rules).toEqual([]);
    }
    expect(body.data[0]!.logo).toBe(`https://cdn.example.org/${w.tag}/alpha.png`);
    expect(body.data[1]!.logo).toBeNull();
    // B's own diffuseur and the stranger never appear in A's list
    const ids = body.data.map((d) => d.id);
    expect(ids).not.toContain(w.onlyB.id);
    expect(ids).not.toContain(w.stranger.id);
    // …and B sees its own two diffuseurs only
    const bBody = await listRules(w.b);
    expect(bBody.total).toBe(2);
    expect(bBody.data.map((d) => d.id)).toEqual([w.charlie.id, w.onlyB.id]);
  });

  it("answers an empty list to an annonceur nobody diffuses", async () => {
    const lonely = await server.partner();
    const body = await listRules(lonely);
    expect(body).toEqual({ ok: true, total: 0, data: [] });
  });

  it("requires field and value together (400 INVALID_QUERY)", async () => {
    const w = await world();
    for (const query of [`?field=${encodeURIComponent(CLIENT_ID)}`, "?value=asso-1"]) {
      const res = await server.request(`/v0/diffusion-rule${query}`, { apiKey: w.a.apiKey });
      expect(res.status, query).toBe(400);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("INVALID_QUERY");
      expect(typeof res.body.message).toBe("string");
      expect(res.body.message).toMatch(/field/);
      expect(res.body.message).toMatch(/value/);
    }
  });

  it("previews `diffuse`: false only when an is_not / does_not_contain rule excludes the value, case- and accent-insensitively", async () => {
    const w = await world();
    await createRule(w.a, { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: "Asso Été-42" });
    await createRule(w.a, { publisherIds: [w.bravo.id], field: PARENTS, operator: "does_not_contain", value: "Marine nationale" });
    // `is` restricts but is not an exclusion: the preview stays true
    await createRule(w.a, { publisherIds: [w.charlie.id], field: CLIENT_ID, operator: "is", value: "Asso Été-42" });

    const exact = await listRules(w.a, previewQuery(CLIENT_ID, "Asso Été-42"));
    expect(exact.total).toBe(3);
    expect(diffuseById(exact)).toEqual({ [w.alpha.id]: false, [w.bravo.id]: true, [w.charlie.id]: true });
    // rules are still listed alongside the preview
    expect(exact.data.find((d) => d.id === w.alpha.id)?.rules).toHaveLength(1);

    for (const variant of ["asso ete-42", "ASSO ÉTÉ-42", "Asso Ete-42"]) {
      const body = await listRules(w.a, previewQuery(CLIENT_ID, variant));
      expect(diffuseById(body)[w.alpha.id], variant).toBe(false);
      expect(diffuseById(body)[w.bravo.id], variant).toBe(true);
    }

    const other = await listRules(w.a, previewQuery(CLIENT_ID, "Asso Été-43"));
    expect(diffuseById(other)).toEqual({ [w.alpha.id]: true, [w.bravo.id]: true, [w.charlie.id]: true });

    const marine = await listRules(w.a, previewQuery(PARENTS, "MARINE NATIONALE"));
    expect(diffuseById(marine)).toEqual({ [w.alpha.id]: true, [w.bravo.id]: false, [w.charlie.id]: true });

    // parentOrganizations is a list: "contains" means "is one of its items", not a substring
    for (const value of ["Marine", "Marine nationale du Nord"]) {
      const body = await listRules(w.a, previewQuery(PARENTS, value));
      expect(diffuseById(body)[w.bravo.id], value).toBe(true);
    }

    // a rule on another field never excludes
    const otherField = await listRules(w.a, previewQuery(PARENTS, "Asso Été-42"));
    expect(diffuseById(otherField)[w.alpha.id]).toBe(true);
  });

  it("never shows B's rules to A, even on a diffuseur they share", async () => {
    const w = await world();
    const bRule = await createRule(w.b, { publisherIds: [w.charlie.id], field: CLIENT_ID, operator: "is_not", value: `b-org-${w.tag}` });
    const aRule = await createRule(w.a, { publisherIds: [w.charlie.id], field: CLIENT_ID, operator: "is_not", value: `a-org-${w.tag}` });

    const aView = await listRules(w.a);
    const aCharlie = aView.data.find((d) => d.id === w.charlie.id);
    expect(aCharlie?.rules.map((r) => r.id)).toEqual([aRule.data[0]!.id]);

    const bView = await listRules(w.b);
    const bCharlie = bView.data.find((d) => d.id === w.charlie.id);
    expect(bCharlie?.rules.map((r) => r.id)).toEqual([bRule.data[0]!.id]);

    // B's exclusion does not leak into A's preview
    const preview = await listRules(w.a, previewQuery(CLIENT_ID, `b-org-${w.tag}`));
    expect(diffuseById(preview)[w.charlie.id]).toBe(true);
  });
});

describe("POST /v0/diffusion-rule", () => {
  it("creates a child rule (201) and lists it under that diffuseur", async () => {
    const w = await world();
    const res = await postRule(w.a, { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` });
    expect(res.status).toBe(201);
    expect(res.body.ok).toBe(true);
    expect(res.body.total).toBe(1);
    expect(res.body.data).toHaveLength(1);
    const rule = res.body.data[0];
    expect(Object.keys(rule).sort()).toEqual(["field", "fieldType", "id", "operator", "publisherId", "value"]);
    expect(rule.id).toMatch(UUID);
    expect(rule).toMatchObject({ field: CLIENT_ID, fieldType: "string", operator: "is_not", value: `org-${w.tag}`, publisherId: w.alpha.id });

    const body = await listRules(w.a);
    const alpha = body.data.find((d) => d.id === w.alpha.id);
    expect(alpha?.rules).toEqual([{ id: rule.id, field: CLIENT_ID, fieldType: "string", operator: "is_not", value: `org-${w.tag}` }]);
    expect(body.data.find((d) => d.id === w.bravo.id)?.rules).toEqual([]);
  });

  it("accepts every documented operator of parentOrganizations", async () => {
    const w = await world();
    const ops = ["is", "contains", "is_not", "does_not_contain"];
    for (const [i, operator] of ops.entries()) {
      const created = await createRule(w.a, { publisherIds: [w.bravo.id], field: PARENTS, operator, value: `Réseau ${i} ${w.tag}` });
      expect(created.data[0]).toMatchObject({ field: PARENTS, operator, value: `Réseau ${i} ${w.tag}`, publisherId: w.bravo.id });
    }
    const bravo = (await listRules(w.a)).data.find((d) => d.id === w.bravo.id);
    expect(bravo?.rules.map((r) => r.operator).sort()).toEqual([...ops].sort());
  });

  it("creates one rule per diffuseur and ignores ids of partners that do not diffuse me", async () => {
    const w = await world();
    const created = await createRule(w.a, {
      publisherIds: [w.alpha.id, w.stranger.id, w.onlyB.id, "000000000000000000000000", w.charlie.id],
      field: PARENTS,
      operator: "does_not_contain",
      value: `Réseau ${w.tag}`,
    });
    expect(created.total).toBe(2);
    expect(created.data.map((r) => r.publisherId).sort()).toEqual([w.alpha.id, w.charlie.id].sort());
    expect(new Set(created.data.map((r) => r.id)).size).toBe(2);
    // nothing was written for B's diffuseur
    const bView = await listRules(w.b);
    for (const d of bView.data) expect(d.rules).toEqual([]);
  });

  it("answers 403 FORBIDDEN when none of the publisherIds diffuses me", async () => {
    const w = await world();
    for (const publisherIds of [[w.stranger.id], [w.onlyB.id], ["000000000000000000000000"], [w.a.id]]) {
      const res = await postRule(w.a, { publisherIds, field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` });
      expect(res.status, JSON.stringify(publisherIds)).toBe(403);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("FORBIDDEN");
      expect(typeof res.body.message).toBe("string");
      expect(res.body.message.length).toBeGreaterThan(0);
    }
    const bView = await listRules(w.b);
    for (const d of bView.data) expect(d.rules).toEqual([]);
  });

  it("rejects an unsupported field (400 INVALID_BODY naming `field`)", async () => {
    const w = await world();
    for (const field of ["type", "publisherOrganizationId", "publisherId", "title"]) {
      const res = await postRule(w.a, { publisherIds: [w.alpha.id], field, operator: "is_not", value: "x" });
      expect(res.status, field).toBe(400);
      expect(res.body.code).toBe("INVALID_BODY");
      expect(res.body.message).toMatch(/field/);
    }
    expect((await listRules(w.a)).data.every((d) => d.rules.length === 0)).toBe(true);
  });

  it("rejects an operator the field does not support (400 INVALID_BODY naming `operator`)", async () => {
    const w = await world();
    const cases: [string, string][] = [
      [CLIENT_ID, "contains"],
      [CLIENT_ID, "does_not_contain"],
      [CLIENT_ID, "exists"],
      [PARENTS, "starts_with"],
      [PARENTS, "is_greater_than"],
      [PARENTS, "IS_NOT"],
    ];
    for (const [field, operator] of cases) {
      const res = await postRule(w.a, { publisherIds: [w.alpha.id], field, operator, value: "x" });
      expect(res.status, `${field} ${operator}`).toBe(400);
      expect(res.body.code).toBe("INVALID_BODY");
      expect(res.body.message).toMatch(/operator/);
    }
  });

  it("validates the body: publisherIds non-empty, value non-empty, fieldType string|null", async () => {
    const w = await world();
    const base = { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: "x" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, publisherIds: [] }, "publisherIds"],
      [{ field: CLIENT_ID, operator: "is_not", value: "x" }, "publisherIds"],
      [{ ...base, publisherIds: [{ id: w.alpha.id }] }, "publisherIds"],
      [{ ...base, value: "" }, "value"],
      [{ ...base, value: "   " }, "value"],
      [{ publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not" }, "value"],
      [{ ...base, fieldType: "number" }, "fieldType"],
      [{ publisherIds: [w.alpha.id], operator: "is_not", value: "x" }, "field"],
      [{ publisherIds: [w.alpha.id], field: CLIENT_ID, value: "x" }, "operator"],
    ];
    for (const [body, field] of cases) {
      const res = await postRule(w.a, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("INVALID_BODY");
      expect(res.body.message).toContain(field);
    }
    expect((await listRules(w.a)).data.every((d) => d.rules.length === 0)).toBe(true);
  });

  it("is idempotent: the same rule twice returns the same id and is stored once", async () => {
    const w = await world();
    const body = { publisherIds: [w.alpha.id, w.bravo.id], field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` };
    const first = await createRule(w.a, body);
    const second = await createRule(w.a, body);
    expect(second.total).toBe(2);
    const byPublisher = (r: typeof first) => Object.fromEntries(r.data.map((x) => [x.publisherId, x.id]));
    expect(byPublisher(second)).toEqual(byPublisher(first));
    // fieldType null means the default "string": still the same rule
    const third = await createRule(w.a, { ...body, fieldType: null });
    expect(byPublisher(third)).toEqual(byPublisher(first));
    const list = await listRules(w.a);
    expect(list.data.find((d) => d.id === w.alpha.id)?.rules).toHaveLength(1);
    expect(list.data.find((d) => d.id === w.bravo.id)?.rules).toHaveLength(1);
  });

  it("answers 409 RESSOURCE_ALREADY_EXIST for the same field+value with another operator", async () => {
    const w = await world();
    const first = await createRule(w.a, { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` });
    const res = await postRule(w.a, { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is", value: `org-${w.tag}` });
    expect(res.status).toBe(409);
    expect(res.body.ok).toBe(false);
    expect(res.body.code).toBe("RESSOURCE_ALREADY_EXIST");
    expect(typeof res.body.message).toBe("string");
    expect(res.body.message.length).toBeGreaterThan(0);
    const alpha = (await listRules(w.a)).data.find((d) => d.id === w.alpha.id);
    expect(alpha?.rules).toEqual([{ id: first.data[0]!.id, field: CLIENT_ID, fieldType: "string", operator: "is_not", value: `org-${w.tag}` }]);
  });

  it("a 409 on one diffuseur creates nothing on the others", async () => {
    const w = await world();
    await createRule(w.a, { publisherIds: [w.bravo.id], field: PARENTS, operator: "is", value: `Réseau ${w.tag}` });
    const res = await postRule(w.a, {
      publisherIds: [w.alpha.id, w.bravo.id, w.charlie.id],
      field: PARENTS,
      operator: "does_not_contain",
      value: `Réseau ${w.tag}`,
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("RESSOURCE_ALREADY_EXIST");
    const list = await listRules(w.a);
    expect(list.data.find((d) => d.id === w.alpha.id)?.rules).toEqual([]);
    expect(list.data.find((d) => d.id === w.charlie.id)?.rules).toEqual([]);
    expect(list.data.find((d) => d.id === w.bravo.id)?.rules.map((r) => r.operator)).toEqual(["is"]);
  });
});

describe("DELETE /v0/diffusion-rule/:id", () => {
  it("deletes my rule (200 {ok:true}); it disappears from GET; a second delete is 404", async () => {
    const w = await world();
    const keep = await createRule(w.a, { publisherIds: [w.alpha.id], field: PARENTS, operator: "is_not", value: `Gardé ${w.tag}` });
    const drop = await createRule(w.a, { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` });
    const id = drop.data[0]!.id;

    const res = await server.request(`/v0/diffusion-rule/${id}`, { method: "DELETE", apiKey: w.a.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });

    const alpha = (await listRules(w.a)).data.find((d) => d.id === w.alpha.id);
    expect(alpha?.rules.map((r) => r.id)).toEqual([keep.data[0]!.id]);
    // the preview no longer excludes that organisation
    const preview = await listRules(w.a, previewQuery(CLIENT_ID, `org-${w.tag}`));
    expect(diffuseById(preview)[w.alpha.id]).toBe(true);

    const again = await server.request(`/v0/diffusion-rule/${id}`, { method: "DELETE", apiKey: w.a.apiKey });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("NOT_FOUND");
  });

  it("lets the same rule be created again after deletion (new id)", async () => {
    const w = await world();
    const body = { publisherIds: [w.alpha.id], field: CLIENT_ID, operator: "is_not", value: `org-${w.tag}` };
    const first = await createRule(w.a, body);
    const del = await server.request(`/v0/diffusion-rule/${first.data[0]!.id}`, { method: "DELETE", apiKey: w.a.apiKey });
    expect(del.status).toBe(200);
    // and even with another operator, since the old one is gone
    const second = await createRule(w.a, { ...body, operator: "is" });
    expect(second.data[0]!.id).not.toBe(first.data[0]!.id);
    expect(second.data[0]!.operator).toBe("is");
    const alpha = (await listRules(w.a)).data.find((d) => d.id === w.alpha.id);
    expect(alpha?.rules.map((r) => r.id)).toEqual([second.data[0]!.id]);
  });

  it("answers 404 NOT_FOUND for an unknown id", async () => {
    const w = await world();
    for (const id of [randomUUID(), "nope", "000000000000000000000000"]) {
      const res = await server.request(`/v0/diffusion-rule/${id}`, { method: "DELETE", apiKey: w.a.apiKey });
      expect(res.status, id).toBe(404);
      expect(res.body.ok).toBe(false);
      expect(res.body.code).toBe("NOT_FOUND");
      expect(typeof res.body.message).toBe("string");
      expect(res.body.message.length).toBeGreaterThan(0);
    }
  });

  it("answers 403 for a rule of another annonceur, and that rule survives", async () => {
    const w = await world();
    const bRule = await createRule(w.b, { publisherIds: [w.charlie.id], field: CLIENT_ID, operator: "is_not", value: `b-org-${w.tag}` });
    const id = bRule.data[0]!.id;
    const res = await server.request(`/v0/diffusion-rule/${id}`, { method: "DELETE", apiKey: w.a.apiKey });
    expect(res.status).toBe(403);
    expect(res.body.ok).toBe(false);
    expect(res.body.code).toBe("FORBIDDEN");
    expect(res.body.message.length).toBeGreaterThan(0);

    const bCharlie = (await listRules(w.b)).data.find((d) => d.id === w.charlie.id);
    expect(bCharlie?.rules.map((r) => r.id)).toEqual([id]);
    // B can still delete it
    const own = await server.request(`/v0/diffusion-rule/${id}`, { method: "DELETE", apiKey: w.b.apiKey });
    expect(own.status).toBe(200);
  });

  it("refuses to delete a root rule (the diffusion right itself) with 403", async () => {
    const w = await world();
    const db = server.database.db;
    // allowDiffusion is idempotent and returns the existing root
    const myRoot = await allowDiffusion(db, w.alpha.id, w.a.id);
    const bRoot = await allowDiffusion(db, w.onlyB.id, w.b.id);
    for (const root of [myRoot, bRoot]) {
      const res = await server.request(`/v0/diffusion-rule/${root.id}`, { method: "DELETE", apiKey: w.a.apiKey });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("FORBIDDEN");
    }
    // the rights still hold
    expect((await listRules(w.a)).data.map((d) => d.id)).toContain(w.alpha.id);
    expect((await listRules(w.b)).data.map((d) => d.id)).toContain(w.onlyB.id);
  });
});
