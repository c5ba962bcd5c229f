/**
 * The `engagement` command against the run's database (PostgreSQL or the embedded database served by
 * the test process), while a service runs on the same database.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lastJson, runCli } from "../support/cli.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const { databaseUrl, dataDir } = inject("database");
const env = { DATABASE_URL: databaseUrl, DATA_DIR: dataDir };
const cli = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("engagement (help and errors)", () => {
  it("prints the list of commands with --help", async () => {
    const res = await cli("--help");
    expect(res.code).toBe(0);
    for (const command of ["serve", "migrate", "publisher create", "publisher key", "diffusion add", "diffusion remove", "demo"]) {
      expect(res.stdout).toContain(command);
    }
  });

  it.each([["publisher", "create", "--help"], ["publisher", "key", "--help"], ["diffusion", "add", "--help"], ["demo", "--help"], ["serve", "--help"], ["migrate", "--help"]])(
    "%s %s --help",
    async (...args) => {
      const res = await cli(...args);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^Usage : engagement/m);
    },
  );

  it.each([
    [["frobnicate"], "commande inconnue"],
    [["publisher", "create"], "--name est obligatoire"],
    [["publisher", "create", "--name", "X", "--mission-type", "stage"], "--mission-type doit valoir"],
    [["publisher", "create", "--name", "X", "--feed", "ftp://example.org/feed.xml"], "--feed : L'adresse du flux"],
    [["publisher", "create", "--name", "X", "--bogus"], "option inconnue"],
    [["publisher", "key", "0123456789abcdef01234567"], "partenaire introuvable"],
    [["diffusion", "add", "--diffuseur", "abc"], "--annonceur manquant"],
  ])("%j fails with one clear line and a non-zero exit", async (args, message) => {
    const res = await cli(...args);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split("\n")[0]).toContain(message);
    expect(res.stdout).toBe("");
  });
});

describe("engagement (environment problems)", () => {
  it("names an unreachable database", async () => {
    const res = await runCli(["publisher", "list"], { DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing" });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^Erreur : base de données injoignable .*DATABASE_URL/);
  });

  it("lists every invalid variable at once", async () => {
    const res = await runCli(["serve"], { PORT: "abc", LOG_LEVEL: "bavard", PUBLIC_URL: "ftp://x" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("PORT doit être un entier");
    expect(res.stderr).toContain("LOG_LEVEL");
    expect(res.stderr).toContain("PUBLIC_URL");
  });
});

describe("engagement publisher / diffusion", () => {
  it("creates a publisher whose key works on the running service", async () => {
    const res = await cli("publisher", "create", "--name", "Ville de Test", "--annonceur", "--diffuseur", "--mission-type", "benevolat");
    expect(res.code).toBe(0);
    const created = lastJson(res);
    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.name).toBe("Ville de Test");
    expect(created.apiKey).toMatch(/^ae_/);
    const mission = await server.request("/v2/mission", {
      method: "POST",
      apiKey: created.apiKey,
      json: { clientId: "cli-1", title: "Mission créée après la CLI", description: "Texte", applicationUrl: "https://example.org" },
    });
    expect(mission.status).toBe(201);
    expect(mission.body.data.type).toBe("benevolat");
    const row = await server.database.db.selectFrom("publisher").selectAll().where("id", "=", created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ is_annonceur: true, has_api_rights: true, mission_type: "benevolat" });
    const stored = await server.database.db.selectFrom("api_key").select("key_hash").where("publisher_id", "=", created.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.key_hash).not.toContain(created.apiKey);
  });

  it("creates a diffuseur with the remoteAsParis setting", async () => {
    const created = lastJson(await cli("publisher", "create", "--name", "Petites annonces", "--diffuseur", "--remote-as-paris"));
    const row = await server.database.db.selectFrom("publisher").selectAll().where("id", "=", created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ has_api_rights: true, is_annonceur: false, remote_as_paris: true });
  });

  it("rotates a key: the new one works, the old one is refused", async () => {
    const created = lastJson(await cli("publisher", "create", "--name", "Rotation", "--annonceur"));
    const rotated = await cli("publisher", "key", created.id);
    expect(rotated.code).toBe(0);
    const { apiKey, revoked } = lastJson(rotated);
    expect(revoked).toBe(1);
    expect((await server.request("/v0/mymission", { apiKey })).status).toBe(200);
    expect((await server.request("/v0/mymission", { apiKey: created.apiKey })).status).toBe(401);
    const kept = lastJson(await cli("publisher", "key", created.id, "--keep-old"));
    expect((await server.request("/v0/mymission", { apiKey: kept.apiKey })).status).toBe(200);
    expect((await server.request("/v0/mymission", { apiKey })).status).toBe(200);
  });

  it("grants and withdraws a diffusion right, effective immediately", async () => {
    const annonceur = lastJson(await cli("publisher", "create", "--name", "Annonceur CLI", "--annonceur"));
    const diffuseur = lastJson(await cli("publisher", "create", "--name", "Diffuseur CLI", "--diffuseur"));
    const add = await cli("diffusion", "add", "--diffuseur", diffuseur.id, "--annonceur", annonceur.id);
    expect(add.code).toBe(0);
    expect(lastJson(add)).toMatchObject({ ok: true, diffuseur: diffuseur.id, annonceur: annonceur.id });
    const partners = await server.request("/v0/publisher", { apiKey: annonceur.apiKey });
    expect(partners.body.data.map((p: { _id: string }) => p._id)).toEqual([diffuseur.id]);
    const again = await cli("diffusion", "add", "--diffuseur", diffuseur.id, "--annonceur", annonceur.id);
    expect(lastJson(again).ruleId).toBe(lastJson(add).ruleId);

    const remove = await cli("diffusion", "remove", "--diffuseur", diffuseur.id, "--annonceur", annonceur.id);
    expect(lastJson(remove)).toMatchObject({ ok: true, removed: true });
    const after = await server.request("/v0/publisher", { apiKey: annonceur.apiKey });
    expect(after.body.total).toBe(0);
  });

  it("refuses diffusion for unknown partners", async () => {
    const res = await cli("diffusion", "add", "--diffuseur", "ffffffffffffffffffffffff", "--annonceur", "eeeeeeeeeeeeeeeeeeeeeeee");
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("introuvable");
  });

  it("migrate is idempotent", async () => {
    const res = await cli("migrate");
    expect(res.code).toBe(0);
    expect(lastJson(res)).toEqual({ applied: [] });
  });

  it("demo refuses a database that is not empty", async () => {
    const res = await cli("demo");
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("la base n'est pas vide");
  });
});
