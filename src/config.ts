/**
 * Environment → typed configuration, validated once at start.
 * Every problem is reported at once, in French, naming the variable to fix.
 */
import path from "node:path";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL server URL; undefined means the embedded PGlite database under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Base of every link the service hands out, without trailing slash. */
  publicUrl: string;
  logLevel: LogLevel;
  rateLimit: {
    enabled: boolean;
    /** Requests per window and per API key on the partner API. */
    publisherMax: number;
    /** Requests per window and per IP on public routes. */
    ipMax: number;
    windowMs: number;
  };
  /** Optional Redis for rate-limit counters shared by several instances. */
  redisUrl: string | undefined;
  /** Maximum JSON body size in bytes. */
  bodyLimit: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const LOG_LEVELS: LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    problems.push(`${name} doit être un entier (reçu « ${raw} »)`);
    return fallback;
  }
  const value = Number(raw);
  if (value < min || value > max) {
    problems.push(`${name} doit être compris entre ${min} et ${max} (reçu ${value})`);
    return fallback;
  }
  return value;
}

function readBool(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["true", "1", "yes", "oui"].includes(raw)) return true;
  if (["false", "0", "no", "non"].includes(raw)) return false;
  problems.push(`${name} doit valoir true ou false (reçu « ${env[name]} »)`);
  return fallback;
}

function readUrl(env: Env, name: string, protocols: string[], problems: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (!protocols.includes(url.protocol)) {
      problems.push(`${name} doit commencer par ${protocols.map((p) => `${p}//`).join(" ou ")} (reçu « ${raw} »)`);
      return undefined;
    }
    return raw;
  } catch {
    problems.push(`${name} n'est pas une URL valide (reçu « ${raw} »)`);
    return undefined;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const port = readInt(env, "PORT", 3000, 0, 65535, problems);
  const host = env.HOST?.trim() || "127.0.0.1";
  const databaseUrl = readUrl(env, "DATABASE_URL", ["postgres:", "postgresql:"], problems);
  const dataDir = path.resolve(env.DATA_DIR?.trim() || "data");
  const publicUrlRaw = readUrl(env, "PUBLIC_URL", ["http:", "https:"], problems);
  const publicUrl = (publicUrlRaw ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const logLevelRaw = (env.LOG_LEVEL?.trim().toLowerCase() || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevelRaw)) {
    problems.push(`LOG_LEVEL doit être l'une des valeurs ${LOG_LEVELS.join(", ")} (reçu « ${env.LOG_LEVEL} »)`);
  }
  const rateLimit = {
    enabled: !readBool(env, "RATE_LIMIT_DISABLED", false, problems),
    publisherMax: readInt(env, "RATE_LIMIT_PUBLISHER_MAX", 600, 1, 1_000_000, problems),
    ipMax: readInt(env, "RATE_LIMIT_IP_MAX", 120, 1, 1_000_000, problems),
    windowMs: readInt(env, "RATE_LIMIT_WINDOW_MS", 60_000, 1000, 86_400_000, problems),
  };
  const redisUrl = readUrl(env, "REDIS_URL", ["redis:", "rediss:"], problems);
  const bodyLimit = readInt(env, "BODY_LIMIT_BYTES", 1_048_576, 1024, 52_428_800, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    databaseUrl,
    dataDir,
    publicUrl,
    logLevel: LOG_LEVELS.includes(logLevelRaw) ? logLevelRaw : "info",
    rateLimit,
    redisUrl,
    bodyLimit,
  };
}
