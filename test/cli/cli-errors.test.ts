/**
 * Mistakes in the command line and the environment: the real `engagement` process answers with one
 * French line on stderr naming what to fix, and a non-zero exit code.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../support/cli.ts";

let dir: string;
let dataDir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engagement-cli-errors-"));
  dataDir = path.join(dir, "data");
  file = path.join(dir, "not-a-directory");
  fs.writeFileSync(file, "x");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The embedded database in a fresh DATA_DIR, whatever DATABASE_URL the run uses. */
const embedded = (env: Record<string, string | undefined> = {}) => ({ DATABASE_URL: undefined, DATA_DIR: dataDir, PORT: "0", HOST: undefined, ...env });

function expectOneLine(res: CliResult, code: number, ...texts: (string | RegExp)[]) {
  expect(res.code, res.stderr).toBe(code);
  expect(res.stderr.endsWith("\n")).toBe(true);
  const lines = res.stderr.trimEnd().split("\n");
  expect(lines, res.stderr).toHaveLength(1);
  for (const text of texts) {
    if (typeof text === "string") expect(lines[0]).toContain(text);
    else expect(lines[0]).toMatch(text);
  }
}

describe("engagement: command line mistakes", () => {
  it("an unknown subcommand names it and points to the group's --help", async () => {
    const res = await runCli(["publisher", "frobnicate"], embedded());
    expectOneLine(res, 2, /^Erreur : sous-commande inconnue : publisher frobnicate/, "create, key ou list", "engagement publisher --help");
    expect(res.stdout).toBe("");
  });

  it("a mistyped subcommand gets a suggestion", async () => {
    const res = await runCli(["publisher", "craete", "--name", "X"], embedded());
    expectOneLine(res, 2, "sous-commande inconnue : publisher craete", "vouliez-vous dire create ?");
  });

  it.each([
    [["stats", "frob"], "stats frob", "engagement stats --help"],
    [["warnings", "go"], "warnings go", "engagement warnings --help"],
    [["bots", "ban"], "bots ban", "engagement bots --help"],
    [["diffusion", "allow"], "diffusion allow", "engagement diffusion --help"],
  ])("%j: unknown subcommand on one line", async (args, named, help) => {
    expectOneLine(await runCli(args, embedded()), 2, `sous-commande inconnue : ${named}`, help);
  });

  it("an unknown command names it, before reading the environment", async () => {
    const res = await runCli(["publishr", "list"], embedded({ PORT: "abc" }));
    expectOneLine(res, 2, /^Erreur : commande inconnue : publishr/, "vouliez-vous dire publisher ?", "engagement --help");
  });

  it("an option without its value names the option", async () => {
    const res = await runCli(["publisher", "create", "--name"], embedded());
    expectOneLine(res, 2, /^Erreur : --name demande une valeur/, "engagement publisher create --help");
    expect(res.stderr).not.toMatch(/argument missing|Option/);
  });

  it.each([
    [["diffusion", "add", "--diffuseur"], "--diffuseur demande une valeur", "engagement diffusion add --help"],
    [["import", "--publisher"], "--publisher demande une valeur", "engagement import --help"],
    [["stats", "verify", "--from"], "--from demande une valeur", "engagement stats verify --help"],
    [["publisher", "create", "--name", "--annonceur"], "« --annonceur » ressemble à une option", "--name=--annonceur"],
    [["publisher", "create", "--nme", "X"], "option inconnue : --nme, vouliez-vous dire --name ?", "engagement publisher create --help"],
    [["publisher", "create", "-x"], "option inconnue : -x", "engagement publisher create --help"],
    [["publisher", "create", "--name", "X", "--annonceur=oui"], "--annonceur ne prend pas de valeur", "engagement publisher create --help"],
    [["publisher", "key", "abc", "def"], "argument inattendu : def", "engagement publisher key --help"],
    [["publisher", "create", "--name", "X", "--tracking-prefix", "foo"], "--tracking-prefix doit valoir utm ou mtm (reçu « foo »)", "Erreur"],
    [["diffusion", "add", "--diffuseur", "abc"], "--annonceur manquant", "engagement diffusion add --help"],
  ])("%j: one French line", async (args, message, help) => {
    const res = await runCli(args, embedded());
    expectOneLine(res, 2, message, help);
    expect(res.stderr).not.toMatch(/Unknown option|argument missing|does not take|ambiguous/);
  });
});

describe("engagement: environment mistakes", () => {
  it("an invalid HOST is named with an example, before anything starts", async () => {
    const res = await runCli(["serve"], embedded({ HOST: "http://localhost:3000" }));
    expectOneLine(res, 2, /^Configuration invalide : HOST doit être une adresse IP ou un nom d'hôte/, "écrivez HOST=localhost et PORT=3000");
    const bad = await runCli(["serve"], embedded({ HOST: "1.2.3" }));
    expectOneLine(bad, 2, "HOST", "« 1.2.3 »", "HOST=127.0.0.1", "HOST=0.0.0.0");
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it("every invalid variable is listed on one line", async () => {
    const res = await runCli(["serve"], embedded({ PORT: "abc", LOG_LEVEL: "bavard", HOST: "a b" }));
    expectOneLine(res, 2, /^Configuration invalide : PORT doit être un entier/, " ; LOG_LEVEL doit", " ; HOST doit");
  });

  it("a DATA_DIR that is a file is named", async () => {
    const res = await runCli(["serve"], embedded({ DATA_DIR: file }));
    expectOneLine(res, 2, `DATA_DIR doit être un dossier, or « ${file} » est un fichier`, "DATA_DIR=./data");
    expect(res.stderr).not.toContain("EEXIST");
    const under = await runCli(["publisher", "list"], embedded({ DATA_DIR: path.join(file, "sub") }));
    expectOneLine(under, 2, "DATA_DIR ne peut pas être créé", `« ${file} » est un fichier`);
  });

  it("a HOST that resolves to nothing is blamed, not the database", async () => {
    const res = await runCli(["serve"], embedded({ HOST: "nonexistent.invalid" }), 120_000);
    expectOneLine(res, 1, /^Erreur : HOST=nonexistent\.invalid : nom d'hôte introuvable/, "HOST=127.0.0.1");
    expect(res.stderr).not.toContain("DATABASE_URL");
  }, 150_000);

  it("a HOST that is not an address of this machine is named", async () => {
    // TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const res = await runCli(["serve"], embedded({ HOST: "192.0.2.1" }), 120_000);
    expectOneLine(res, 1, /^Erreur : HOST=192\.0\.2\.1 n'est pas une adresse de cette machine/, "HOST=0.0.0.0");
  }, 150_000);

  it("a port in use names PORT", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const res = await runCli(["serve"], embedded({ PORT: String(port), HOST: "127.0.0.1" }), 120_000);
      expectOneLine(res, 1, `Erreur : le port ${port} est déjà utilisé sur 127.0.0.1`, "choisissez un autre PORT");
      expect(res.stderr).not.toContain("DATABASE_URL");
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 150_000);
});
