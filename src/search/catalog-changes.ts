/**
 * Reading the change feed (`catalog_change`, filled by triggers) without ever missing a row.
 *
 * A row becomes visible when its transaction commits, which may be after rows with higher `seq`. So
 * each read also returns the oldest transaction still running (`pg_snapshot_xmin`), and the next read
 * starts from that transaction id: anything committed since is then seen. Rows already applied are
 * remembered (by seq) until their transaction is older than the horizon, so nothing is applied twice.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { SYNC_HISTORY_DAYS } from "./sync-changes.ts";

export interface CatalogChange {
  seq: number;
  kind: "mission" | "organization" | "rules" | "moderation" | "publisher" | "api_key";
  ref: string | null;
}

interface ChangeRow {
  seq: number;
  xid: string;
  kind: CatalogChange["kind"];
  ref: string | null;
}

export class ChangeReader {
  /** Oldest transaction id that may still add rows we have not seen. */
  private horizon: bigint | undefined;
  /** seq → xid of rows applied whose transaction is not yet below the horizon. */
  private readonly applied = new Map<number, bigint>();

  constructor(private readonly db: Db) {}

  /**
   * Call before a full load: the first read() then returns every change that may have committed
   * during or after the load (re-applying one the load already saw is harmless).
   */
  async start(): Promise<void> {
    const { rows } = await sql<{ xmin: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error("catalog_change: no snapshot");
    this.horizon = BigInt(row.xmin);
    this.applied.clear();
  }

  /** Changes committed since the last read, in commit-visible order, each returned once. */
  async read(): Promise<CatalogChange[]> {
    if (this.horizon === undefined) throw new Error("ChangeReader.read() before start()");
    const { rows } = await sql<{ xmin: string; changes: ChangeRow[] | null }>`
      SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
             (SELECT json_agg(json_build_object('seq', seq, 'xid', xid::text, 'kind', kind, 'ref', ref) ORDER BY seq)
                FROM catalog_change
               WHERE xid >= ${this.horizon.toString()}::xid8) AS changes`.execute(this.db);
    const row = rows[0];
    if (!row) return [];
    const fresh: CatalogChange[] = [];
    for (const change of row.changes ?? []) {
      if (this.applied.has(change.seq)) continue;
      this.applied.set(change.seq, BigInt(change.xid));
      fresh.push({ seq: change.seq, kind: change.kind, ref: change.ref });
    }
    const horizon = BigInt(row.xmin);
    for (const [seq, xid] of this.applied) if (xid < horizon) this.applied.delete(seq);
    this.horizon = horizon;
    return fresh;
  }
}

/**
 * Drops change rows nobody needs any more: readers only need the recent past of mission and key
 * changes (a restart reloads all); incremental sync reads the rest (rules, organisations,
 * moderation, publishers, a few rows a day) for `historyDays`.
 */
export async function pruneChanges(db: Db, days = 2, historyDays = SYNC_HISTORY_DAYS): Promise<number> {
  const result = await sql`
    DELETE FROM catalog_change
     WHERE (kind IN ('mission', 'api_key') AND created_at < now() - make_interval(days => ${days}))
        OR created_at < now() - make_interval(days => ${historyDays})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
