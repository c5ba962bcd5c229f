import { describe, expect, it } from "vitest";
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
