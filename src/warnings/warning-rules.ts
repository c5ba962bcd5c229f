/**
 * The conditions the warnings job looks for, one SQL query each. A rule returns the partners for
 * which its condition holds at `now`, with the figures that show it (`details`, stored as they are
 * and turned into a French message when served, see warning-messages.ts). A partner the rule does not
 * return has no such condition (any live warning of that type is then resolved by the job).
 *
 * Every rule only looks at what had happened by `now` (imports started, events created, warnings
 * raised), so that a run for a given moment is reproducible.
 */
import { sql } from "kysely";
import type { Db } from "../db/connection.ts";
import { SUSPECTED_BOT } from "../tracking/bot-watch.ts";
import type { WarningInput } from "./warning-store.ts";

export const EMPTY_FEED = "empty_feed";
export const FEED_ERROR = "feed_error";
export const LOW_ACCEPTANCE = "low_acceptance";
export const NO_CONVERSION = "no_conversion";
export const SUSPECTED_BOT_TRAFFIC = "suspected_bot_traffic";

/** The types a partner sees in GET /v2/warnings (`suspected_bot`, per fingerprint, stays with the operators). */
export const PARTNER_WARNING_TYPES = [EMPTY_FEED, FEED_ERROR, LOW_ACCEPTANCE, NO_CONVERSION, SUSPECTED_BOT_TRAFFIC] as const;
export type PartnerWarningType = (typeof PARTNER_WARNING_TYPES)[number];

export interface WarningThresholds {
  /** feed_error: consecutive failed imports. */
  feedErrorRuns: number;
  /** low_acceptance: below this share of ACCEPTED live missions, in percent… */
  lowAcceptancePercent: number;
  /** …among at least this many live missions. */
  lowAcceptanceMinMissions: number;
  /** no_conversion: the period looked at, in days… */
  noConversionDays: number;
  /** …and the human redirections it takes in that period. */
  noConversionMinClicks: number;
}

export const DEFAULT_THRESHOLDS: WarningThresholds = {
  feedErrorRuns: 3,
  lowAcceptancePercent: 50,
  lowAcceptanceMinMissions: 20,
  noConversionDays: 7,
  noConversionMinClicks: 50,
};

export interface WarningRule {
  type: PartnerWarningType;
  find: (db: Db, now: Date, thresholds: WarningThresholds) => Promise<WarningInput[]>;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * empty_feed: the last import that read the annonceur's feed succeeded but produced no mission: the
 * feed had no <mission> element, or every one of them was skipped (no clientId, duplicate, unusable).
 * Missions refused by moderation are stored, so they count as produced (low_acceptance covers them).
 * A 304 (feed not modified) reads nothing and a failed import proves nothing about the content: both
 * are passed over (feed_error covers failures). Only annonceurs that still have a feed.
 */
export const emptyFeed: WarningRule = {
  type: EMPTY_FEED,
  async find(db, now) {
    const { rows } = await sql<{ publisher_id: string; import_id: string; started_at: Date; finished_at: Date | null; received: number; skipped: number }>`
      SELECT p.id AS publisher_id, i.id AS import_id, i.started_at, i.finished_at,
             i.received_count AS received, i.skipped_count AS skipped
      FROM publisher p
      CROSS JOIN LATERAL (
        SELECT * FROM feed_import f
        WHERE f.publisher_id = p.id AND f.status = 'SUCCESS' AND NOT f.not_modified AND f.started_at <= ${now}
        ORDER BY f.started_at DESC
        LIMIT 1
      ) i
      WHERE p.is_annonceur AND p.deleted_at IS NULL AND p.feed_url IS NOT NULL
        AND i.created_count + i.updated_count + i.unchanged_count = 0
    `.execute(db);
    return rows.map((r) => ({
      publisherId: r.publisher_id,
      details: { importId: r.import_id, importedAt: iso(r.finished_at ?? r.started_at), received: r.received, skipped: r.skipped, missions: 0 },
    }));
  },
};

/**
 * feed_error: the annonceur's last `feedErrorRuns` imports (or more) all failed: the failures since
 * its last success (a 304 is a success). Only annonceurs that still have a feed.
 */
export const feedError: WarningRule = {
  type: FEED_ERROR,
  async find(db, now, t) {
    const { rows } = await sql<{ publisher_id: string; failures: number; since: Date; last_failure_at: Date; last: { id: string; error_code: string | null; error: string | null } }>`
      SELECT p.id AS publisher_id, count(*)::int AS failures, min(f.started_at) AS since, max(f.started_at) AS last_failure_at,
             (array_agg(jsonb_build_object('id', f.id, 'error_code', f.error_code, 'error', f.error) ORDER BY f.started_at DESC))[1] AS last
      FROM publisher p
      JOIN feed_import f ON f.publisher_id = p.id AND f.status = 'FAILED' AND f.started_at <= ${now}
        AND f.started_at > COALESCE(
          (SELECT max(s.started_at) FROM feed_import s WHERE s.publisher_id = p.id AND s.status = 'SUCCESS' AND s.started_at <= ${now}),
          '-infinity'::timestamptz)
      WHERE p.is_annonceur AND p.deleted_at IS NULL AND p.feed_url IS NOT NULL
      GROUP BY p.id
      HAVING count(*) >= ${t.feedErrorRuns}
    `.execute(db);
    return rows.map((r) => ({
      publisherId: r.publisher_id,
      details: {
        failures: r.failures,
        threshold: t.feedErrorRuns,
        since: iso(r.since),
        lastFailureAt: iso(r.last_failure_at),
        importId: r.last.id,
        errorCode: r.last.error_code,
        error: r.last.error,
      },
    }));
  },
};

/**
 * low_acceptance: fewer than `lowAcceptancePercent` % of the partner's live (not deleted) missions
 * are ACCEPTED, among at least `lowAcceptanceMinMissions`; with the most frequent refusal reason.
 * Compared in integers (accepted × 100 < percent × missions): exactly at the threshold is not low.
 * Reads the live missions' status once (no index holds it; the wide text columns are not read).
 */
export const lowAcceptance: WarningRule = {
  type: LOW_ACCEPTANCE,
  async find(db, _now, t) {
    const { rows } = await sql<{ publisher_id: string; missions: number; accepted: number; top_reason: string | null; top_reason_missions: number | null }>`
      WITH stock AS (
        SELECT publisher_id, count(*)::int AS missions, (count(*) FILTER (WHERE status_code = 'ACCEPTED'))::int AS accepted
        FROM mission
        WHERE deleted_at IS NULL
        GROUP BY publisher_id
        HAVING count(*) >= ${t.lowAcceptanceMinMissions}
          AND count(*) FILTER (WHERE status_code = 'ACCEPTED') * 100 < ${t.lowAcceptancePercent} * count(*)
      ),
      reasons AS (
        SELECT m.publisher_id, m.status_comment, count(*)::int AS n,
               row_number() OVER (PARTITION BY m.publisher_id ORDER BY count(*) DESC, m.status_comment) AS rank
        FROM mission m JOIN stock s ON s.publisher_id = m.publisher_id
        WHERE m.deleted_at IS NULL AND m.status_code = 'REFUSED' AND m.status_comment <> ''
        GROUP BY m.publisher_id, m.status_comment
      )
      SELECT s.publisher_id, s.missions, s.accepted, r.status_comment AS top_reason, r.n AS top_reason_missions
      FROM stock s
      JOIN publisher p ON p.id = s.publisher_id AND p.deleted_at IS NULL
      LEFT JOIN reasons r ON r.publisher_id = s.publisher_id AND r.rank = 1
    `.execute(db);
    return rows.map((r) => ({
      publisherId: r.publisher_id,
      details: {
        missions: r.missions,
        accepted: r.accepted,
        refused: r.missions - r.accepted,
        acceptedPercent: Math.floor((r.accepted * 100) / r.missions),
        thresholdPercent: t.lowAcceptancePercent,
        topRefusalReason: r.top_reason,
        topRefusalReasonMissions: r.top_reason_missions ?? 0,
      },
    }));
  },
};

/**
 * no_conversion: the annonceur received at least `noConversionMinClicks` human redirections (clicks
 * not flagged as bots, to_publisher_id = it) in the `noConversionDays` days before `now`, and not one
 * application nor account creation in that period, whatever its source or bot flag: its tracking
 * (jstag.js, POST /v2/activity) is most likely missing or broken.
 *
 * One pass over the period's events (tracking_event_created_idx), impressions read and dropped as in
 * the bot watch.
 */
export const noConversion: WarningRule = {
  type: NO_CONVERSION,
  async find(db, now, t) {
    const since = new Date(now.getTime() - t.noConversionDays * 86_400_000);
    const { rows } = await sql<{ publisher_id: string; clicks: number; first_click_at: Date; last_click_at: Date }>`
      SELECT e.to_publisher_id AS publisher_id,
             (count(*) FILTER (WHERE e.type = 'click' AND NOT e.is_bot))::int AS clicks,
             min(e.created_at) FILTER (WHERE e.type = 'click' AND NOT e.is_bot) AS first_click_at,
             max(e.created_at) FILTER (WHERE e.type = 'click' AND NOT e.is_bot) AS last_click_at
      FROM tracking_event e
      JOIN publisher p ON p.id = e.to_publisher_id AND p.deleted_at IS NULL
      WHERE e.created_at > ${since} AND e.created_at <= ${now}
        AND e.type IN ('click', 'apply', 'account')
      GROUP BY e.to_publisher_id
      HAVING count(*) FILTER (WHERE e.type = 'click' AND NOT e.is_bot) >= ${t.noConversionMinClicks}
        AND count(*) FILTER (WHERE e.type IN ('apply', 'account')) = 0
    `.execute(db);
    return rows.map((r) => ({
      publisherId: r.publisher_id,
      details: {
        clicks: r.clicks,
        conversions: 0,
        days: t.noConversionDays,
        since: since.toISOString(),
        until: now.toISOString(),
        firstClickAt: iso(r.first_click_at),
        lastClickAt: iso(r.last_click_at),
      },
    }));
  },
};

/**
 * suspected_bot_traffic: the diffuseur has live `suspected_bot` warnings (tracking/bot-watch.ts, one
 * per fingerprint): one warning summing them. The fingerprints themselves (keyed hashes of visitors'
 * addresses) stay with the operators, who decide to block them.
 */
export const suspectedBotTraffic: WarningRule = {
  type: SUSPECTED_BOT_TRAFFIC,
  async find(db, now) {
    const { rows } = await sql<{ publisher_id: string; suspects: number; clicks: number; since: Date; last_click_at: string | null; window_hours: number | null }>`
      SELECT w.publisher_id, count(*)::int AS suspects,
             sum(COALESCE((w.details->>'clicks')::int, 0))::int AS clicks,
             min(w.first_seen_at) AS since,
             max(w.details->>'lastClickAt') AS last_click_at,
             max((w.details->>'windowHours')::int) AS window_hours
      FROM warning w
      JOIN publisher p ON p.id = w.publisher_id AND p.deleted_at IS NULL
      WHERE w.type = ${SUSPECTED_BOT} AND w.resolved_at IS NULL AND w.first_seen_at <= ${now}
      GROUP BY w.publisher_id
    `.execute(db);
    return rows.map((r) => ({
      publisherId: r.publisher_id,
      details: { suspects: r.suspects, clicks: r.clicks, windowHours: r.window_hours ?? 24, since: iso(r.since), lastClickAt: r.last_click_at },
    }));
  },
};

export const WARNING_RULES: WarningRule[] = [emptyFeed, feedError, lowAcceptance, noConversion, suspectedBotTraffic];
