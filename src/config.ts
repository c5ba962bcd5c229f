/**
 * Environment → typed configuration, validated once at start.
 * Every problem is reported at once, in French, naming the variable to fix.
 */
import fs from "node:fs";
import net from "node:net";
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
    /** Tracking requests (`/r/*`) per window and per IP that are recorded (tracking/visit-limit.ts). */
    trackingIpMax: number;
    /** Widget pages and place suggestions (`/w/*`) per window and per IP. */
    widgetIpMax: number;
    windowMs: number;
  };
  /** Optional Redis for rate-limit counters shared by several instances. */
  redisUrl: string | undefined;
  /** Maximum JSON body size in bytes. */
  bodyLimit: number;
  feeds: FeedConfig;
  tracking: TrackingConfig;
  /** Cron expression (Europe/Paris) of the partners' warnings job (warnings/warnings-job.ts); "off" disables it. */
  warningsSchedule: string;
  /** How often the statistics' pending deltas are folded into their tables. */
  statsFoldIntervalMs: number;
}

export interface TrackingConfig {
  /**
   * Key of tracking tokens and fingerprints. Unset: a random secret generated once and kept in the
   * database (shared by every instance). Set it to keep today's tokens valid after a migration.
   */
  secret: string | undefined;
  /** Where a link to an unknown mission or campaign leads. */
  fallbackUrl: string;
  /** Longest wait of a tracking event before it is written. */
  flushIntervalMs: number;
  /** Events held in memory while the database cannot be written; more are dropped (and logged). */
  maxBufferedEvents: number;
  /** Cron expression (Europe/Paris) of the suspected-bot watch (tracking/bot-watch.ts); "off" disables it. */
  botWatchSchedule: string;
}

export interface FeedConfig {
  /** Fetch feeds from private, loopback, link-local and CGNAT addresses (local development, tests). */
  allowPrivateNetworks: boolean;
  /** Cron expression (Europe/Paris) of the scheduled imports; "off" disables them. */
  schedule: string;
  connectTimeoutMs: number;
  /** Whole download, headers and body. */
  totalTimeoutMs: number;
  /** Largest feed accepted, in bytes once decompressed. */
  maxBytes: number;
  /** A feed with fewer missions than (1 − this) × the last successful one deletes nothing until confirmed. */
  dropThreshold: number;
  /** Missions are withdrawn once every import of the publisher has failed for this many days. */
  withdrawAfterDays: number;
  /** Largest XML body of POST /v2/feed/validate, in bytes. */
  validateMaxBytes: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }

  /** Every problem on one line (command line): « Configuration invalide : a ; b ». */
  get summary(): string {
    return `Configuration invalide : ${this.problems.map((p) => p.replace(/\s*[\r\n]+\s*/g, " ")).join(" ; ")}`;
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
  const host = readHost(env, problems);
  const databaseUrl = readUrl(env, "DATABASE_URL", ["postgres:", "postgresql:"], problems);
  const dataDir = path.resolve(env.DATA_DIR?.trim() || "data");
  // Only the embedded database needs DATA_DIR at once; with DATABASE_URL it merely holds the demo
  // keys, and a read-only working directory must not stop the service.
  if (!env.DATABASE_URL?.trim()) checkDataDir(dataDir, problems);
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
    trackingIpMax: readInt(env, "RATE_LIMIT_TRACKING_IP_MAX", 120, 1, 1_000_000, problems),
    widgetIpMax: readInt(env, "RATE_LIMIT_WIDGET_IP_MAX", 600, 1, 1_000_000, problems),
    windowMs: readInt(env, "RATE_LIMIT_WINDOW_MS", 60_000, 1000, 86_400_000, problems),
  };
  const redisUrl = readUrl(env, "REDIS_URL", ["redis:", "rediss:"], problems);
  const bodyLimit = readInt(env, "BODY_LIMIT_BYTES", 1_048_576, 1024, 52_428_800, problems);

  const feeds: FeedConfig = {
    allowPrivateNetworks: readBool(env, "FEED_ALLOW_PRIVATE_NETWORKS", false, problems),
    schedule: readSchedule(env, "FEED_IMPORT_SCHEDULE", "15 * * * *", problems),
    connectTimeoutMs: readInt(env, "FEED_CONNECT_TIMEOUT_MS", 10_000, 100, 300_000, problems),
    totalTimeoutMs: readInt(env, "FEED_TIMEOUT_MS", 600_000, 1000, 3_600_000, problems),
    maxBytes: readInt(env, "FEED_MAX_BYTES", 1_073_741_824, 1024, 17_179_869_184, problems),
    dropThreshold: readInt(env, "FEED_DROP_THRESHOLD_PERCENT", 50, 1, 100, problems) / 100,
    withdrawAfterDays: readInt(env, "FEED_WITHDRAW_AFTER_DAYS", 7, 1, 365, problems),
    validateMaxBytes: readInt(env, "FEED_VALIDATE_MAX_BYTES", 52_428_800, 1024, 1_073_741_824, problems),
  };

  const secret = env.TRACKING_SECRET?.trim() || undefined;
  if (secret !== undefined && secret.length < 32) problems.push("TRACKING_SECRET doit compter au moins 32 caractères (ou être absent : un secret est alors généré)");
  const tracking: TrackingConfig = {
    secret,
    fallbackUrl: readUrl(env, "TRACKING_FALLBACK_URL", ["http:", "https:"], problems) ?? "https://www.jeveuxaider.gouv.fr/",
    flushIntervalMs: readInt(env, "TRACKING_FLUSH_INTERVAL_MS", 200, 10, 200, problems),
    maxBufferedEvents: readInt(env, "TRACKING_MAX_BUFFERED_EVENTS", 200_000, 100, 10_000_000, problems),
    botWatchSchedule: readSchedule(env, "BOT_WATCH_SCHEDULE", "30 */3 * * *", problems),
  };

  // After the hourly imports (:15) and the bot watch (:30), so that a run sees both.
  const warningsSchedule = readSchedule(env, "WARNINGS_SCHEDULE", "45 * * * *", problems);

  const statsFoldIntervalMs = readInt(env, "STATS_FOLD_INTERVAL_MS", 1000, 100, 60_000, problems);

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
    feeds,
    tracking,
    warningsSchedule,
    statsFoldIntervalMs,
  };
}

const HOST_EXAMPLE = "par exemple HOST=127.0.0.1 (cette machine seulement) ou HOST=0.0.0.0 (toutes les interfaces)";

/** A host name label: letters, digits, hyphens inside (underscores too, as container names have). */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** True for an IPv4 or IPv6 address, `localhost`, or a syntactically valid host name. */
export function isValidHost(host: string): boolean {
  if (net.isIP(host)) return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  // An all-digit last label is a mistyped IPv4 address (1.2.3, 10.0.0.256), not a name.
  return labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/** HOST: where the service listens. Brackets around an IPv6 address ([::1]) are accepted and dropped. */
function readHost(env: Env, problems: string[]): string {
  const fallback = "127.0.0.1";
  const raw = env.HOST?.trim();
  if (!raw) return fallback;
  const host = unbracket(raw);
  if (isValidHost(host)) return host;
  // A URL or host:port: say which HOST (and PORT) was meant.
  const split = splitHostPort(raw);
  if (split) {
    const fix = `HOST=${split.host}${split.port ? ` et PORT=${split.port}` : ""}`;
    problems.push(`HOST doit être une adresse IP ou un nom d'hôte, sans schéma ni port (reçu « ${raw} ») : écrivez ${fix}`);
  } else {
    problems.push(`HOST doit être une adresse IP ou un nom d'hôte (reçu « ${raw} »), ${HOST_EXAMPLE}`);
  }
  return fallback;
}

const unbracket = (host: string) => (/^\[.*\]$/.test(host) ? host.slice(1, -1) : host);

function splitHostPort(raw: string): { host: string; port: string } | undefined {
  let host: string | undefined;
  let port = "";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      host = unbracket(url.hostname);
      port = url.port;
    } catch {
      return undefined;
    }
  } else {
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(raw);
    if (!match) return undefined;
    host = unbracket(match[1]!);
    port = match[2]!;
  }
  return host && isValidHost(host) ? { host, port } : undefined;
}

/**
 * DATA_DIR must be a directory the service can write in, or a path it can create: the nearest
 * existing part of the path must be a writable directory. Cheap (a few stat calls).
 */
function checkDataDir(dataDir: string, problems: string[]): void {
  const advice = "choisissez un autre chemin, par exemple DATA_DIR=./data";
  let current = dataDir;
  for (;;) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        const parent = path.dirname(current);
        if (parent === current) return;
        current = parent;
        continue;
      }
      if (code === "EACCES" || code === "EPERM") {
        problems.push(`DATA_DIR n'est pas accessible (droits insuffisants sur « ${current} ») : ${advice}, ou corrigez les droits`);
      }
      return;
    }
    if (!stat.isDirectory()) {
      problems.push(
        current === dataDir
          ? `DATA_DIR doit être un dossier, or « ${dataDir} » est un fichier : ${advice}`
          : `DATA_DIR ne peut pas être créé : « ${current} » est un fichier, pas un dossier : ${advice}`,
      );
      return;
    }
    try {
      fs.accessSync(current, fs.constants.W_OK | fs.constants.X_OK);
    } catch {
      problems.push(
        current === dataDir
          ? `DATA_DIR n'est pas accessible en écriture (« ${dataDir} ») : corrigez ses droits ou ${advice}`
          : `DATA_DIR ne peut pas être créé : « ${current} » n'est pas accessible en écriture : corrigez ses droits ou ${advice}`,
      );
    }
    return;
  }
}

/** A 5- or 6-field cron expression, or "off". Checked for shape here; croner checks the values at start. */
function readSchedule(env: Env, name: string, fallback: string, problems: string[]): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (raw.toLowerCase() === "off") return "off";
  const fields = raw.split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((f) => /^[\d*,/\-A-Za-z?LW#]+$/.test(f))) {
    problems.push(`${name} doit être une expression cron (par exemple « 15 * * * * » pour chaque heure à 15) ou « off » (reçu « ${raw} »)`);
    return fallback;
  }
  return raw;
}
