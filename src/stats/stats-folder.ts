/**
 * Folds the statistics' pending deltas (stat_pending, appended by the triggers of tracking_event)
 * into the rollup tables every `intervalMs`: `stat_fold()` moves them in one statement, so the
 * figures, which read both, never change by folding. One fold at a time per process (and per
 * database: the function returns at once while another instance folds).
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";

export interface StatsFolderLog {
  warn: (obj: object, msg: string) => void;
}

export async function foldStats(db: Db): Promise<number> {
  const { rows } = await sql<{ folded: string }>`SELECT stat_fold() AS folded`.execute(db);
  return Number(rows[0]?.folded ?? 0);
}

export function startStatsFolder(deps: { db: Db; intervalMs: number; log: StatsFolderLog }): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null;
  let failing = false;
  const tick = () => {
    if (running) return;
    running = foldStats(deps.db)
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
      clearInterval(timer);
      await running;
    },
  };
}
