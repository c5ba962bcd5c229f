import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("loadConfig", () => {
  it("has working defaults", () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe("127.0.0.1");
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir.endsWith("/data")).toBe(true);
    expect(c.publicUrl).toBe("http://localhost:3000");
    expect(c.rateLimit).toEqual({ enabled: true, publisherMax: 600, ipMax: 120, trackingIpMax: 120, widgetIpMax: 600, windowMs: 60_000 });
    expect(c.bodyLimit).toBe(1_048_576);
  });

  it("derives PUBLIC_URL from PORT and trims a trailing slash", () => {
    expect(loadConfig({ PORT: "8080" }).publicUrl).toBe("http://localhost:8080");
    expect(loadConfig({ PUBLIC_URL: "https://api.example.gouv.fr/" }).publicUrl).toBe("https://api.example.gouv.fr");
  });

  it("reads every variable", () => {
    const c = loadConfig({
      PORT: "4000",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u@db:5432/engagement",
      DATA_DIR: "/var/lib/engagement",
      LOG_LEVEL: "DEBUG",
      RATE_LIMIT_PUBLISHER_MAX: "50",
      RATE_LIMIT_IP_MAX: "10",
      RATE_LIMIT_WINDOW_MS: "1000",
      RATE_LIMIT_DISABLED: "true",
      REDIS_URL: "redis://127.0.0.1:6379",
      BODY_LIMIT_BYTES: "2048",
    });
    expect(c).toMatchObject({
      port: 4000,
      host: "0.0.0.0",
      databaseUrl: "postgres://u@db:5432/engagement",
      dataDir: "/var/lib/engagement",
      logLevel: "debug",
      rateLimit: { enabled: false, publisherMax: 50, ipMax: 10, windowMs: 1000 },
      redisUrl: "redis://127.0.0.1:6379",
      bodyLimit: 2048,
    });
  });

  it("reports every problem at once, naming the variable", () => {
    try {
      loadConfig({ PORT: "70000", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud", RATE_LIMIT_DISABLED: "peut-être" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join("\n")).toMatch(/PORT.*70000/);
      expect(problems.join("\n")).toMatch(/DATABASE_URL doit commencer par postgres:\/\//);
      expect(problems.join("\n")).toContain("LOG_LEVEL");
      expect(problems.join("\n")).toContain("RATE_LIMIT_DISABLED");
    }
  });
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("loadConfig: HOST", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["::", "::"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["fe80::1", "fe80::1"],
    ["localhost", "localhost"],
    ["api-engagement.example.gouv.fr", "api-engagement.example.gouv.fr"],
    ["example.org.", "example.org."],
    ["web_1", "web_1"],
    ["  0.0.0.0  ", "0.0.0.0"],
  ])("accepts %j", (raw, host) => {
    expect(loadConfig({ HOST: raw }).host).toBe(host);
  });

  it.each(["1.2.3", "10.0.0.256", "a b", "-x", "x-", "exa mple.org", "ex..ample", `${"a".repeat(64)}.org`, "héte.fr", "/tmp/sock", "*"])(
    "rejects %j, naming HOST with an example",
    (raw) => {
      const problems = problemsOf({ HOST: raw });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^HOST doit être une adresse IP ou un nom d'hôte/);
      expect(problems[0]).toContain(`« ${raw} »`);
      expect(problems[0]).toContain("HOST=127.0.0.1");
      expect(problems[0]).toContain("HOST=0.0.0.0");
    },
  );

  it.each([
    ["http://localhost:3000", "HOST=localhost et PORT=3000"],
    ["https://api.example.org/", "HOST=api.example.org"],
    ["0.0.0.0:8080", "HOST=0.0.0.0 et PORT=8080"],
    ["[::1]:80", "HOST=::1 et PORT=80"],
  ])("rejects the URL or host:port %j and says what to write", (raw, fix) => {
    const problems = problemsOf({ HOST: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("sans schéma ni port");
    expect(problems[0]).toMatch(new RegExp(`écrivez ${fix.replace(/[.[\]]/g, "\\$&")}$`));
  });

  it("an empty HOST keeps the default", () => {
    expect(loadConfig({ HOST: " " }).host).toBe("127.0.0.1");
  });
});

describe("loadConfig: DATA_DIR", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engagement-config-"));
    fs.writeFileSync(path.join(dir, "a-file"), "x");
  });
  afterAll(() => {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("accepts an existing directory or one that can be created", () => {
    expect(loadConfig({ DATA_DIR: dir }).dataDir).toBe(dir);
    expect(loadConfig({ DATA_DIR: path.join(dir, "new", "deeper") }).dataDir).toBe(path.join(dir, "new", "deeper"));
  });

  it("rejects a file", () => {
    const file = path.join(dir, "a-file");
    const problems = problemsOf({ DATA_DIR: file });
    expect(problems).toEqual([`DATA_DIR doit être un dossier, or « ${file} » est un fichier : choisissez un autre chemin, par exemple DATA_DIR=./data`]);
  });

  it("rejects a path under a file", () => {
    const file = path.join(dir, "a-file");
    const problems = problemsOf({ DATA_DIR: path.join(file, "sub", "dir") });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATA_DIR ne peut pas être créé/);
    expect(problems[0]).toContain(`« ${file} » est un fichier`);
  });

  it.skipIf(process.getuid?.() === 0)("rejects a directory it cannot write in", () => {
    const locked = path.join(dir, "locked");
    fs.mkdirSync(locked, { mode: 0o500 });
    try {
      expect(problemsOf({ DATA_DIR: locked })[0]).toMatch(/^DATA_DIR n'est pas accessible en écriture/);
      expect(problemsOf({ DATA_DIR: path.join(locked, "sub") })[0]).toMatch(/^DATA_DIR ne peut pas être créé.*n'est pas accessible en écriture/);
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });

  it("is not checked with DATABASE_URL (it then only holds the demo keys)", () => {
    const file = path.join(dir, "a-file");
    expect(loadConfig({ DATA_DIR: file, DATABASE_URL: "postgres://u@db/engagement" }).dataDir).toBe(file);
  });

  it("reports it with the other problems, on one line for the command line", () => {
    try {
      loadConfig({ DATA_DIR: path.join(dir, "a-file"), HOST: "1.2.3", PORT: "x" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const summary = (err as ConfigError).summary;
      expect(summary).not.toContain("\n");
      expect(summary).toMatch(/^Configuration invalide : PORT .* ; HOST .* ; DATA_DIR /);
    }
  });
});
