/**
 * Automatic moderation through the API: every rule reachable from a JSON body refuses the mission
 * with its exact French message, the mission is still stored (201) and it is not listed as live.
 * Rule 4, "ClientId manquant", is reached with a blank clientId (spaces, tab): a body without clientId,
 * or with an empty one, is a 400 (the field is required, min length 1), but a whitespace-only one passes
 * validation and is moderated like any other mission (the rule itself is also covered in
 * test/unit/moderation.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };

const valid = (clientId: string) => ({
  clientId,
  title: "Accompagner des seniors isolés",
  description: "Rendre visite à des personnes âgées de votre quartier, une fois par semaine.",
  applicationUrl: "https://example.org/candidater",
  domain: "solidarite-insertion",
  addresses: [{ postalCode: "69003", city: "Lyon", country: "FR" }],
});

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
});
afterAll(async () => server?.close());

const cases: [string, Record<string, unknown>, string][] = [
  ["1 titre vide", { title: "" }, "Titre manquant"],
  ["1 titre espace", { title: " " }, "Titre manquant"],
  ["2 encodage du titre", { title: "Aide &#233;ducative aux jeunes" }, "Problème d'encodage dans le titre"],
  ["3 titre d'un mot", { title: "Bénévolat" }, "Le titre est trop court (1 seul mot)"],
  ["4 clientId d'espaces", { clientId: "  " }, "ClientId manquant"],
  ["4 clientId tabulation", { clientId: "\t" }, "ClientId manquant"],
  ["5 description absente", { description: "" }, "Description manquante"],
  ["6 encodage de la description", { description: "Une mission d&#39;entraide" }, "Problème d'encodage dans la description"],
  ["8 URL absente", { applicationUrl: "" }, "URL de candidature manquant"],
  ["9 pays invalide", { addresses: [{ city: "Nulle Part", country: "Narnia" }] }, 'Pays non valide : "Narnia"'],
  ["10 remote invalide", { remote: "parfois" }, "Valeur remote non valide (no, possible, full ou local)"],
  ["11 places nulles", { places: 0 }, "Nombre de places invalide (doit être supérieur à 0)"],
  ["11 places négatives", { places: -3 }, "Nombre de places invalide (doit être supérieur à 0)"],
  ["12 domaine invalide", { domain: "cuisine" }, 'Domaine non valide : "cuisine"'],
  ["13 encodage du nom d'organisation", { organizationName: "Les Amis d&#39;Ici" }, "Problème d'encodage dans le nom de l'organisation"],
  ["14 compensation négative", { compensationAmount: -5 }, "Montant de la compensation invalide (nombre positif attendu)"],
  ["15 maximum négatif", { compensationAmountMax: -1 }, "Montant maximum de la compensation invalide (nombre positif attendu)"],
  [
    "16 maximum inférieur au minimum",
    { compensationAmount: 500, compensationAmountMax: 100 },
    "Le montant maximum de la compensation doit être supérieur ou égal au montant minimum",
  ],
  ["17 unité invalide", { compensationAmount: 10, compensationUnit: "week" }, "Unité de compensation invalide (hour, day, month, year)"],
  ["18 type invalide", { compensationAmount: 10, compensationType: "brut" }, "Type de compensation invalide (gross, net)"],
];

describe("moderation rules through POST /v2/mission", () => {
  it.each(cases)("rule %s", async (name, override, message) => {
    const body = { ...valid(`mod-${name.replace(/\W+/g, "-")}`), ...override };
    const clientId = body.clientId;
    const res = await server.request("/v2/mission", { method: "POST", apiKey: annonceur.apiKey, json: body });
    expect(res.status).toBe(201);
    expect(res.body.data.statusCode).toBe("REFUSED");
    expect(res.body.data.statusComment).toBe(message);
    expect(res.body.data.clientId).toBe(clientId);

    const detail = await server.request(`/v0/mymission/${encodeURIComponent(clientId)}`, { apiKey: annonceur.apiKey });
    expect(detail.status).toBe(200);
    expect(detail.body.data.statusCode).toBe("REFUSED");
    expect(detail.body.data.statusComment).toBe(message);
  });

  it("rule 7: a description over 20 000 characters is truncated and refused", async () => {
    const long = "Texte de mission très détaillé. ".repeat(700); // 22 400 characters
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: { ...valid("mod-long"), description: long },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.statusCode).toBe("REFUSED");
    expect(res.body.data.statusComment).toBe("La description est trop longue (plus de 20000 caractères)");
    const detail = await server.request("/v0/mymission/mod-long", { apiKey: annonceur.apiKey });
    expect(detail.body.data.description).toHaveLength(20_000);
  });

  it("the first failing rule wins", async () => {
    const res = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: { ...valid("mod-first"), title: "Solo", applicationUrl: "", domain: "cuisine" },
    });
    expect(res.body.data.statusComment).toBe("Le titre est trop court (1 seul mot)");
  });

  it("rule 4 comes after the title rules and before the description rules", async () => {
    const other = await server.partner({ annonceur: true });
    const afterTitle = await server.request("/v2/mission", {
      method: "POST",
      apiKey: other.apiKey,
      json: { ...valid(" "), title: "Solo", description: "" },
    });
    expect(afterTitle.status).toBe(201);
    expect(afterTitle.body.data.statusComment).toBe("Le titre est trop court (1 seul mot)");
    const beforeDescription = await server.request("/v2/mission", {
      method: "POST",
      apiKey: other.apiKey,
      json: { ...valid("   "), description: "", applicationUrl: "" },
    });
    expect(beforeDescription.status).toBe(201);
    expect(beforeDescription.body.data.statusCode).toBe("REFUSED");
    expect(beforeDescription.body.data.statusComment).toBe("ClientId manquant");
    // Refused, so not among the live missions.
    const list = await server.request("/v0/mymission", { apiKey: other.apiKey });
    expect(list.body.total).toBe(0);
  });

  it("a missing or empty clientId is a 400 INVALID_BODY naming clientId, not a refused mission", async () => {
    const other = await server.partner({ annonceur: true });
    const { clientId: _omitted, ...withoutClientId } = valid("x");
    const missing = await server.request("/v2/mission", { method: "POST", apiKey: other.apiKey, json: withoutClientId });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      ok: false,
      code: "INVALID_BODY",
      message: "Le champ « clientId » est obligatoire",
      errors: [{ field: "clientId", message: "Le champ « clientId » est obligatoire" }],
    });
    const empty = await server.request("/v2/mission", { method: "POST", apiKey: other.apiKey, json: valid("") });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("INVALID_BODY");
    expect(empty.body.message).toBe("Le champ « clientId » ne doit pas être vide");
    const stored = await server.database.db.selectFrom("mission").select("id").where("publisher_id", "=", other.id).execute();
    expect(stored).toEqual([]);
  });

  it("a valid mission is ACCEPTED with an empty comment, and only live ACCEPTED missions are listed", async () => {
    const other = await server.partner({ annonceur: true });
    const ok = await server.request("/v2/mission", { method: "POST", apiKey: other.apiKey, json: valid("ok-1") });
    expect(ok.body.data.statusCode).toBe("ACCEPTED");
    expect(ok.body.data.statusComment).toBe("");
    await server.request("/v2/mission", { method: "POST", apiKey: other.apiKey, json: { ...valid("ko-1"), title: "Seul" } });
    const list = await server.request("/v0/mymission", { apiKey: other.apiKey });
    expect(list.body.total).toBe(1);
    expect(list.body.data.map((m: { clientId: string }) => m.clientId)).toEqual(["ok-1"]);
  });

  it("moderation is replayed on update: fixing the title accepts, breaking it refuses", async () => {
    const created = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: { ...valid("mod-replay"), title: "Solo" },
    });
    expect(created.body.data.statusCode).toBe("REFUSED");
    const fixed = await server.request("/v2/mission/mod-replay", {
      method: "PUT",
      apiKey: annonceur.apiKey,
      json: { title: "Animer un atelier lecture" },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.data.statusCode).toBe("ACCEPTED");
    expect(fixed.body.data.statusComment).toBe("");
    const broken = await server.request("/v2/mission/mod-replay", { method: "PUT", apiKey: annonceur.apiKey, json: { places: 0 } });
    expect(broken.body.data.statusCode).toBe("REFUSED");
    expect(broken.body.data.statusComment).toBe("Nombre de places invalide (doit être supérieur à 0)");
  });

  it("an address country written « France » stays valid on later updates (today's rule-9 bug)", async () => {
    const created = await server.request("/v2/mission", {
      method: "POST",
      apiKey: annonceur.apiKey,
      json: { ...valid("mod-france"), addresses: [{ street: "12 rue de la Paix", postalCode: "75002", city: "Paris", country: "France" }] },
    });
    expect(created.body.data.statusCode).toBe("ACCEPTED");
    expect(created.body.data.addresses[0].country).toBe("FR");
    const updated = await server.request("/v2/mission/mod-france", { method: "PUT", apiKey: annonceur.apiKey, json: { schedule: "Le samedi" } });
    expect(updated.body.data.statusCode).toBe("ACCEPTED");
  });

  it("a publisher set to skip moderation gets its missions accepted as sent", async () => {
    const trusted = await server.partner({ annonceur: true, skipModeration: true });
    const res = await server.request("/v2/mission", { method: "POST", apiKey: trusted.apiKey, json: { ...valid("trusted-1"), title: "Solo" } });
    expect(res.body.data.statusCode).toBe("ACCEPTED");
  });

  it("still cuts the description of a publisher that skips moderation at 20,000 characters", async () => {
    const trusted = await server.partner({ annonceur: true, skipModeration: true });
    const res = await server.request("/v2/mission", { method: "POST", apiKey: trusted.apiKey, json: { ...valid("trusted-2"), description: "é".repeat(25_000) } });
    expect(res.body.data.statusCode).toBe("ACCEPTED");
    const stored = await server.database.db.selectFrom("mission").select("description").where("client_id", "=", "trusted-2").where("publisher_id", "=", trusted.id).executeTakeFirstOrThrow();
    expect([...stored.description]).toHaveLength(20_000);
  });
});
