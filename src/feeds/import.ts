/**
 * One import run of an annonceur's feed: fetch (or read a file / an uploaded body), stream-parse,
 * normalise and write batch by batch, then delete the missions absent from the feed — with the safety
 * nets: a failed fetch or parse deletes nothing; a feed that suddenly lost more than half of its
 * missions deletes nothing until confirmed; only a publisher whose imports have all failed for N days
 * has its missions withdrawn. Every real run leaves one history row with its counts and problems;
 * a dry run (the validator) computes the same report and writes nothing.
 */
import fs from "node:fs";
import path from "node:path";
import type { FeedConfig } from "../config.ts";
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import type { PublisherRow } from "../db/schema.ts";
import { HttpError } from "../http/errors.ts";
import { FeedFetchError, fetchFeed } from "./fetch.ts";
import {
  claimImport,
  CollectedProblems,
  failingSince,
  finishImport,
  heartbeat,
  type ImportOutcome,
  lastCompleteSuccess,
  lastValidators,
  pruneProblems,
  StoredProblems,
} from "./history.ts";
import type { FeedProblem, FeedSettings } from "./types.ts";
import { applyBatch, emptyCounters, type ImportCounters, type PreparedBatch, prepareBatch, type ProblemSink } from "./write.ts";
import { FeedFormatError, readFeedMissions } from "./xml-reader.ts";

export type FeedSource =
  | { kind: "feed" }
  | { kind: "url"; url: string }
  | { kind: "file"; path: string }
  | { kind: "body"; body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>; label: string };

export interface ImportProgress {
  bytes: number;
  /** Size announced by the server or the file, when known. */
  totalBytes: number | null;
  missions: number;
}

export interface ImportOptions {
  trigger: "schedule" | "cli" | "api";
  source?: FeedSource;
  dryRun?: boolean;
  /** Deletes the absent missions even when the feed lost more than the drop threshold. */
  confirmDeletions?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Dry runs: problems kept in the report (all are counted). */
  problemLimit?: number;
  /** Tests only: replaces the network address policy of the fetch. */
  addressPolicy?: (ip: string) => boolean;
}

export interface ImportReport {
  /** History row id; null for a dry run. */
  id: string | null;
  publisherId: string;
  dryRun: boolean;
  status: "SUCCESS" | "FAILED";
  source: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  notModified: boolean;
  bytes: number;
  counts: ImportCounters;
  /** After the run (for a dry run: what it would be). */
  missionCount: number | null;
  errorCode: string | null;
  error: string | null;
  warning: string | null;
  /** Dry runs only: the problems (up to problemLimit) and their total. */
  problems?: FeedProblem[];
  problemTotal?: number;
}

export interface ImportDeps {
  db: Db;
  feeds: FeedConfig;
  log?: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export function feedSettingsOf(publisher: PublisherRow): FeedSettings {
  return {
    missionType: publisher.mission_type,
    skipModeration: publisher.skip_moderation,
    dateOrder: publisher.feed_date_order,
    defaultOrganizationLogo: publisher.default_mission_logo,
  };
}

class ImportFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function describeSource(publisher: PublisherRow, source: FeedSource): string | null {
  switch (source.kind) {
    case "feed":
      return publisher.feed_url;
    case "url":
      return source.url;
    case "file":
      return `fichier ${path.basename(source.path)}`;
    case "body":
      return source.label;
  }
}

/** Counts bytes as they go by and reports progress about twice a second. */
async function* counted(body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, state: { bytes: number }, tick: () => void): AsyncGenerator<Buffer | string> {
  let last = 0;
  for await (const chunk of body) {
    state.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    const now = Date.now();
    if (now - last > 500) {
      last = now;
      tick();
    }
    yield chunk;
  }
}

interface Opened {
  notModified: boolean;
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string> | null;
  totalBytes: number | null;
  etag: string | null;
  lastModified: string | null;
}

async function openSource(deps: ImportDeps, publisher: PublisherRow, source: FeedSource, options: ImportOptions): Promise<Opened> {
  if (source.kind === "body") return { notModified: false, body: source.body, totalBytes: null, etag: null, lastModified: null };
  if (source.kind === "file") {
    const stat = await fs.promises.stat(source.path).catch(() => null);
    if (!stat?.isFile()) throw new ImportFailure("FILE_NOT_FOUND", `Fichier introuvable : ${source.path}`);
    return { notModified: false, body: fs.createReadStream(source.path, { highWaterMark: 256 * 1024 }), totalBytes: stat.size, etag: null, lastModified: null };
  }
  const url = source.kind === "url" ? source.url : publisher.feed_url;
  if (!url) throw new ImportFailure("NO_FEED", "Aucun flux n'est configuré pour ce partenaire : renseignez-le avec PUT /v2/publisher/feed");
  // The validator always reads the whole feed; real runs of the configured feed use a conditional GET.
  const validators = !options.dryRun && source.kind === "feed" ? await lastValidators(deps.db, publisher.id, url) : undefined;
  const credentials = source.kind === "feed" ? { username: publisher.feed_username, password: publisher.feed_password } : {};
  const result = await fetchFeed(url, {
    ...credentials,
    etag: validators?.etag ?? null,
    lastModified: validators?.last_modified ?? null,
    allowPrivateNetworks: deps.feeds.allowPrivateNetworks,
    connectTimeoutMs: deps.feeds.connectTimeoutMs,
    totalTimeoutMs: deps.feeds.totalTimeoutMs,
    maxBytes: deps.feeds.maxBytes,
    ...(options.addressPolicy ? { addressPolicy: options.addressPolicy } : {}),
  });
  if (result.status === "not-modified") {
    return { notModified: true, body: null, totalBytes: null, etag: validators?.etag ?? null, lastModified: validators?.last_modified ?? null };
  }
  return { notModified: false, body: result.body, totalBytes: result.contentLength, etag: result.etag, lastModified: result.lastModified };
}

/** Live missions of the publisher, by clientId. */
async function liveMissions(db: Db, publisherId: string) {
  return db.selectFrom("mission").select(["id", "client_id"]).where("publisher_id", "=", publisherId).where("deleted_at", "is", null).execute();
}

/** Soft-deletes missions (with a history event each), in batches. */
export async function withdrawMissions(db: Db, ids: string[], reason: string): Promise<void> {
  const now = new Date();
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await db.transaction().execute(async (trx) => {
      await trx.updateTable("mission").set({ deleted_at: now, updated_at: now }).where("id", "in", part).where("deleted_at", "is", null).execute();
      const changes = JSON.stringify({ deletedAt: { previous: null, current: now.toISOString() }, reason });
      await trx.insertInto("mission_event").values(part.map((id) => ({ mission_id: id, type: "delete" as const, changes, source: "feed" }))).execute();
    });
  }
}

async function stock(db: Db, publisherId: string): Promise<{ missionCount: number; refused: number }> {
  const row = await db
    .selectFrom("mission")
    .select((eb) => [eb.fn.countAll<string>().as("total"), eb.fn.count<string>("id").filterWhere("status_code", "=", "REFUSED").as("refused")])
    .where("publisher_id", "=", publisherId)
    .where("deleted_at", "is", null)
    .executeTakeFirstOrThrow();
  return { missionCount: Number(row.total), refused: Number(row.refused) };
}

/** Missions per batch: one transaction each. */
const BATCH_SIZE = 500;

/** Rows written from which the planner statistics are refreshed at once (autovacuum may take minutes). */
const ANALYZE_AFTER_ROWS = 5000;

/**
 * After a large import the planner must know the new table sizes: with stale statistics the next
 * import's look-ups (500 clientIds at a time) can turn into sequential scans.
 */
async function refreshStatistics(db: Db, counters: ImportCounters): Promise<void> {
  if (counters.created + counters.updated + counters.deleted < ANALYZE_AFTER_ROWS) return;
  await sql`ANALYZE mission, mission_address, mission_feed_state, publisher_organization`.execute(db);
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * Deletes the live missions absent from the feed, unless the feed shrank by more than the drop
 * threshold against the last complete success (then they wait for a confirmed run).
 */
async function deleteAbsent(deps: ImportDeps, publisher: PublisherRow, counters: ImportCounters, seen: Map<string, number>, options: ImportOptions): Promise<string | null> {
  const absent = (await liveMissions(deps.db, publisher.id)).filter((m) => !seen.has(m.client_id));
  if (absent.length === 0) return null;
  const previous = await lastCompleteSuccess(deps.db, publisher.id);
  const floor = previous ? previous.feed_mission_count * (1 - deps.feeds.dropThreshold) : 0;
  if (!options.confirmDeletions && previous && counters.feedMissions < floor) {
    counters.pendingDeletions = absent.length;
    return (
      `Le flux contient ${counters.feedMissions} missions contre ${previous.feed_mission_count} au dernier import réussi ` +
      `(baisse de plus de ${percent(deps.feeds.dropThreshold)}) : les ${absent.length} missions absentes n'ont pas été supprimées. ` +
      `Si cette baisse est voulue, confirmez avec « engagement import --publisher ${publisher.id} --confirm-deletions ».`
    );
  }
  counters.deleted = absent.length;
  if (!options.dryRun) await withdrawMissions(deps.db, absent.map((m) => m.id), "absente du flux");
  return null;
}

/** After a failure: withdraws the publisher's missions once every import has failed for N days. */
async function withdrawIfFailingTooLong(deps: ImportDeps, publisher: PublisherRow, counters: ImportCounters, startedAt: Date): Promise<string | null> {
  // The streak started at the first failure since the last success, or with this run.
  const since = (await failingSince(deps.db, publisher.id)) ?? startedAt;
  const days = deps.feeds.withdrawAfterDays;
  if (since.getTime() > Date.now() - days * 86_400_000) return null;
  const live = await liveMissions(deps.db, publisher.id);
  if (live.length === 0) return null;
  await withdrawMissions(deps.db, live.map((m) => m.id), `flux en échec depuis plus de ${days} jours`);
  counters.deleted = live.length;
  return `Le flux est en échec depuis plus de ${days} jours : ses ${live.length} missions ont été retirées de la diffusion. Elles reviendront au prochain import réussi.`;
}

function failureOf(err: unknown): { code: string; message: string } | null {
  if (err instanceof FeedFetchError) return { code: err.code, message: err.message };
  if (err instanceof FeedFormatError) return { code: err.code, message: err.message };
  if (err instanceof ImportFailure) return { code: err.code, message: err.message };
  return null;
}

/** Runs one import of a publisher's feed; never throws for feed problems (they are in the report). */
export async function runImport(deps: ImportDeps, publisher: PublisherRow, options: ImportOptions): Promise<ImportReport> {
  const { db } = deps;
  const dryRun = options.dryRun ?? false;
  const source = options.source ?? { kind: "feed" };
  const sourceLabel = describeSource(publisher, source);
  const startedAt = new Date();
  const importId = dryRun ? null : await claimImport(db, publisher.id, options.trigger, sourceLabel);
  const counters = emptyCounters();
  const collected = dryRun ? new CollectedProblems(options.problemLimit ?? 10_000) : null;
  const stored = importId ? new StoredProblems(db, importId) : null;
  const problems: ProblemSink = collected ?? stored!;
  const progress = { bytes: 0 };
  let outcome: Omit<ImportOutcome, "counters" | "missionCount" | "refusedStockCount" | "bytes">;

  try {
    const opened = await openSource(deps, publisher, source, options);
    if (opened.notModified || !opened.body) {
      outcome = { status: "SUCCESS", notModified: true, errorCode: null, error: null, warning: null, etag: opened.etag, lastModified: opened.lastModified };
    } else {
      const seen = new Map<string, number>();
      const ctx = { db, publisher, settings: feedSettingsOf(publisher), dryRun, importStart: startedAt, seen, counters, problems };
      const tick = () => options.onProgress?.({ bytes: progress.bytes, totalBytes: opened.totalBytes, missions: counters.received });
      // The stages overlap: while a batch is written (by PostgreSQL, on another core), the next
      // ones are read and normalised.
      let writing: Promise<void> | null = null;
      const ahead: Promise<PreparedBatch>[] = [];
      const writeNext = async () => {
        const prepared = await ahead.shift()!;
        if (writing) await writing;
        writing = applyBatch(ctx, prepared).then(async () => {
          if (stored && importId) {
            await stored.flush();
            await heartbeat(db, importId);
          }
          tick();
        });
        writing.catch(() => {}); // awaited (and thrown) at the next batch or after the loop
      };
      try {
        for await (const batch of readFeedMissions(counted(opened.body, progress, tick), { batchSize: BATCH_SIZE })) {
          const prepared = prepareBatch(ctx, batch);
          prepared.catch(() => {});
          ahead.push(prepared);
          if (ahead.length >= 2) await writeNext();
        }
        while (ahead.length) await writeNext();
      } catch (err) {
        // What is in flight completes before the failure is recorded.
        await Promise.allSettled([...ahead, writing]);
        throw err;
      }
      if (writing) await writing;
      const warning = await deleteAbsent(deps, publisher, counters, seen, options);
      if (!dryRun) await refreshStatistics(db, counters);
      outcome = { status: "SUCCESS", notModified: false, errorCode: null, error: null, warning, etag: opened.etag, lastModified: opened.lastModified };
    }
  } catch (err) {
    // An upload refused by the HTTP layer (too large) is the caller's error, not the feed's.
    if (dryRun && err instanceof HttpError) throw err;
    const failure = failureOf(err);
    if (!failure) deps.log?.error({ err, publisherId: publisher.id }, "import failed unexpectedly");
    outcome = {
      status: "FAILED",
      notModified: false,
      errorCode: failure?.code ?? "INTERNAL",
      error: failure?.message ?? `Erreur interne pendant l'import : ${(err as Error).message}. Les missions déjà écrites sont conservées, aucune n'a été supprimée.`,
      warning: null,
      etag: null,
      lastModified: null,
    };
  }

  if (stored) await stored.flush();
  if (outcome.status === "FAILED" && !dryRun) outcome.warning = await withdrawIfFailingTooLong(deps, publisher, counters, startedAt);
  const after = await stock(db, publisher.id);
  const missionCount = dryRun ? after.missionCount + counters.created - counters.deleted + counters.restored : after.missionCount;
  const finishedAt = new Date();
  if (importId) {
    await finishImport(db, importId, { ...outcome, bytes: progress.bytes, counters, missionCount, refusedStockCount: after.refused });
    await pruneProblems(db, publisher.id);
  }
  const report: ImportReport = {
    id: importId,
    publisherId: publisher.id,
    dryRun,
    status: outcome.status,
    source: sourceLabel,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    notModified: outcome.notModified,
    bytes: progress.bytes,
    counts: counters,
    missionCount,
    errorCode: outcome.errorCode,
    error: outcome.error,
    warning: outcome.warning,
  };
  if (collected) {
    report.problems = collected.list;
    report.problemTotal = collected.total;
  }
  deps.log?.info({ import: { ...report, problems: undefined } }, "feed import finished");
  return report;
}
