/**
 * Folds the statistics' pending deltas (stat_pending, appended by the triggers of tracking_event)
 * into the rollup tables every `intervalMs`: `stat_fold()` moves a slice of them in one transaction,
 * so the figures, which read both, never change by folding; a backlog is folded slice after slice. One fold at a time per process (and per
 * database: the function returns at once while another instance folds).
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";

export interface StatsFolderLog {
  warn: (obj: object, msg: string) => void;
}

/** Pending rows folded by one call of `stat_fold()` at most (a transaction of a few seconds at worst). */
export const FOLD_SLICE_ROWS = 100_000;

/** One fold of at most `FOLD_SLICE_ROWS` pending rows; returns how many it folded. */
export async function foldStats(db: Db): Promise<number> {
  const { rows } = await sql<{ folded: string }>`SELECT stat_fold(${FOLD_SLICE_ROWS}) AS folded`.execute(db);
  return Number(rows[0]?.folded ?? 0);
}

/** Folds slice after slice until the pending rows fit in one (a backlog drains at once); returns how many it folded. */
export async function foldAllStats(db: Db, shouldStop: () => boolean = () => false): Promise<number> {
  let total = 0;
  for (;;) {
    const folded = await foldStats(db);
    total += folded;
    if (folded < FOLD_SLICE_ROWS || shouldStop()) return total;
  }
}

export function startStatsFolder(deps: { db: Db; intervalMs: number; log: StatsFolderLog }): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null;
  let failing = false;
  let stopped = false;
  const tick = () => {
    if (running) return;
    running = foldAllStats(deps.db, () => stopped)
      .then(() => {
        failing = false;
      })
      .catch((err: unknown) => {
        // The database is unreachable: the deltas wait in it, the next fold takes them. Logged once per outage.
        if (!failing) deps.log.warn({ err }, "statistiques : regroupement des compteurs impossible, nouvel essai à chaque intervalle");
        failing = true;
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
