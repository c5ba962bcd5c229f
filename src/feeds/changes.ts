/**
 * Change detection for the feed import: is the mission read from the feed different from the
 * stored one? Pure functions. Only a real difference rewrites a mission, so an hourly import of an
 * unchanged feed writes nothing and diffuseurs' caches stay valid.
 *
 * Rules (legacy §3.5, with one deliberate difference):
 * - lists are compared as sets of strings; null, undefined and "" are equal (0 is a value);
 * - `posted_at` and `end_at` are compared by UTC day, other dates exactly;
 * - numbers stored as numeric text ("10.50") are compared as numbers;
 * - addresses are compared as a multiset of their identity hashes (street, city, postal code,
 *   country, coordinates). Difference: today's service ignores the street, so a corrected street
 *   never reached diffuseurs; here it is an update.
 */
import type { MissionAddressRow, MissionRow } from "../db/schema.ts";
import { DRAFT_FIELDS } from "../missions/draft.ts";

/** Mission columns the feed controls (the annonceur's draft, status, organisation), compared field by field. */
export const COMPARED_FIELDS = [...DRAFT_FIELDS, "status_code", "status_comment", "organization_id"] as const;

export type ComparedField = (typeof COMPARED_FIELDS)[number];
export type ComparedMission = Pick<MissionRow, ComparedField>;

const DAY_FIELDS: ReadonlySet<string> = new Set(["posted_at", "end_at"]);
const NUMERIC_FIELDS: ReadonlySet<string> = new Set(["compensation_amount", "compensation_amount_max"]);

export type Changes = Record<string, { previous: unknown; current: unknown }>;

const isBlank = (v: unknown) => v === null || v === undefined || v === "";

function sameList(a: unknown, b: unknown): boolean {
  const left = new Set((Array.isArray(a) ? a : []).map(String));
  const right = new Set((Array.isArray(b) ? b : []).map(String));
  if (left.size !== right.size) return false;
  for (const item of left) if (!right.has(item)) return false;
  return true;
}

const toDate = (v: unknown): Date | null => (v instanceof Date ? v : typeof v === "string" ? new Date(v) : null);

function sameValue(field: string, a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return sameList(a, b);
  if (isBlank(a) || isBlank(b)) return isBlank(a) && isBlank(b);
  if (a instanceof Date || b instanceof Date) {
    const left = toDate(a);
    const right = toDate(b);
    if (!left || !right) return false;
    if (DAY_FIELDS.has(field)) return left.toISOString().slice(0, 10) === right.toISOString().slice(0, 10);
    return left.getTime() === right.getTime();
  }
  if (NUMERIC_FIELDS.has(field)) return Number(a) === Number(b);
  return a === b;
}

const printable = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));

/** The fields that differ, with their previous and current values (dates as ISO strings). */
export function missionChanges(stored: ComparedMission, incoming: ComparedMission): Changes {
  const changes: Changes = {};
  for (const field of COMPARED_FIELDS) {
    if (!sameValue(field, stored[field], incoming[field])) {
      changes[field] = { previous: printable(stored[field]), current: printable(incoming[field]) };
    }
  }
  return changes;
}

/** True when both address lists hold the same addresses (order ignored, duplicates counted). */
export function sameAddresses(stored: Pick<MissionAddressRow, "address_hash">[], incoming: { hash: string }[]): boolean {
  if (stored.length !== incoming.length) return false;
  const left = stored.map((a) => a.address_hash).sort();
  const right = incoming.map((a) => a.hash).sort();
  return left.every((hash, i) => hash === right[i]);
}

/** Organisation columns compared on import (arrays as sets, blank values equal). */
export function organizationChanged(stored: Record<string, unknown>, incoming: Record<string, unknown>): boolean {
  return Object.keys(incoming).some((key) => !sameValue(key, stored[key], incoming[key]));
}
