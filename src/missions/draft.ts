/**
 * From an annonceur's JSON body to mission column values, without I/O: dates, texts, lists,
 * taxonomy, places status, duration. Only the keys present in the body are produced, so the same
 * function serves creation (over defaults) and partial update (over the stored row).
 */
import type { MissionRow } from "../db/schema.ts";
import { badRequest } from "../http/errors.ts";
import { parseActivities } from "../taxonomy/activities.ts";
import { type DateOrder, dateFromUnixTime, parseMissionDate } from "./rules/dates.ts";
import { describe } from "./rules/text.ts";
import { cleanStringList, monthsBetween } from "./rules/normalize.ts";
import type { MissionInput } from "./schemas.ts";

/** Mission columns an annonceur controls. */
export type MissionDraft = Pick<
  MissionRow,
  | "title"
  | "description"
  | "description_html"
  | "application_url"
  | "image"
  | "metadata"
  | "domain"
  | "activities"
  | "tags"
  | "tasks"
  | "audience"
  | "soft_skills"
  | "requirements"
  | "rome_skills"
  | "remote"
  | "schedule"
  | "posted_at"
  | "start_at"
  | "end_at"
  | "priority"
  | "places"
  | "places_status"
  | "type"
  | "snu"
  | "snu_places"
  | "open_to_minors"
  | "reduced_mobility_accessible"
  | "close_to_transport"
  | "compensation_amount"
  | "compensation_amount_max"
  | "compensation_unit"
  | "compensation_type"
  | "duration"
>;

export const DRAFT_FIELDS: (keyof MissionDraft)[] = [
  "title",
  "description",
  "description_html",
  "application_url",
  "image",
  "metadata",
  "domain",
  "activities",
  "tags",
  "tasks",
  "audience",
  "soft_skills",
  "requirements",
  "rome_skills",
  "remote",
  "schedule",
  "posted_at",
  "start_at",
  "end_at",
  "priority",
  "places",
  "places_status",
  "type",
  "snu",
  "snu_places",
  "open_to_minors",
  "reduced_mobility_accessible",
  "close_to_transport",
  "compensation_amount",
  "compensation_amount_max",
  "compensation_unit",
  "compensation_type",
  "duration",
];

/** Defaults of a new mission before the body is applied. */
export function emptyDraft(now: Date): MissionDraft {
  return {
    title: "",
    description: "",
    description_html: "",
    application_url: null,
    image: null,
    metadata: null,
    domain: null,
    activities: [],
    tags: [],
    tasks: [],
    audience: [],
    soft_skills: [],
    requirements: [],
    rome_skills: [],
    remote: null,
    schedule: null,
    posted_at: now,
    start_at: now,
    end_at: null,
    priority: null,
    places: 1,
    places_status: "ATTRIBUTED_BY_API",
    type: null,
    snu: false,
    snu_places: null,
    open_to_minors: null,
    reduced_mobility_accessible: null,
    close_to_transport: null,
    compensation_amount: null,
    compensation_amount_max: null,
    compensation_unit: null,
    compensation_type: null,
    duration: null,
  };
}

export function draftOf(row: MissionRow): MissionDraft {
  const out = {} as Record<keyof MissionDraft, unknown>;
  for (const key of DRAFT_FIELDS) out[key] = row[key];
  return out as MissionDraft;
}

/**
 * A date of the JSON API, read as `z.coerce.date()` reads it today but without its traps: ISO 8601,
 * day/month/year (`order`, the annonceur's setting, French by default), RFC 2822, Unix time as a
 * number or digits (10 digits = seconds, as feeds send them; otherwise milliseconds, as JavaScript
 * sends them). A value that is not a real date is a 400 naming the field.
 */
export function parseDateField(field: string, value: string | number | null | undefined, order: DateOrder = "dmy"): Date | null {
  if (value === null || value === undefined) return null;
  const result = typeof value === "number" ? dateFromUnixTime(value) : parseMissionDate(value, order);
  if (result === null) return null;
  if (!result.ok) {
    throw badRequest("INVALID_BODY", `Le champ « ${field} » n'est pas une date valide (reçu « ${value} ») : ${result.message}`, [{ field, message: result.message }]);
  }
  return result.date;
}

const trimOrNull = (v: string | null | undefined) => {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  return t === "" ? null : t;
};

/** Column values for the keys present in `input`. */
export function draftPatch(input: MissionInput, now: Date, dateOrder: DateOrder = "dmy"): Partial<MissionDraft> {
  const patch: Partial<MissionDraft> = {};
  const has = (key: keyof MissionInput) => Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined;

  if (has("title")) patch.title = (input.title ?? "").trim();
  if (has("description")) {
    const { description, descriptionHtml } = describe(input.description ?? "");
    patch.description = description;
    patch.description_html = descriptionHtml;
  }
  if (has("applicationUrl")) patch.application_url = trimOrNull(input.applicationUrl);
  if (has("image")) patch.image = trimOrNull(input.image);
  if (has("metadata")) patch.metadata = trimOrNull(input.metadata);
  if (has("domain")) patch.domain = trimOrNull(input.domain);
  if (has("activities")) patch.activities = parseActivities(input.activities ?? []);
  if (has("tags")) patch.tags = cleanStringList(input.tags);
  if (has("tasks")) patch.tasks = cleanStringList(input.tasks);
  if (has("audience")) patch.audience = cleanStringList(input.audience);
  if (has("softSkills")) patch.soft_skills = cleanStringList(input.softSkills);
  if (has("requirements")) patch.requirements = cleanStringList(input.requirements);
  if (has("romeSkills")) patch.rome_skills = cleanStringList(input.romeSkills);
  if (has("remote")) patch.remote = trimOrNull(input.remote);
  if (has("schedule")) patch.schedule = trimOrNull(input.schedule);
  if (has("postedAt")) patch.posted_at = parseDateField("postedAt", input.postedAt, dateOrder) ?? now;
  if (has("startAt")) patch.start_at = parseDateField("startAt", input.startAt, dateOrder) ?? now;
  if (has("endAt")) patch.end_at = parseDateField("endAt", input.endAt, dateOrder);
  if (has("priority")) patch.priority = trimOrNull(input.priority);
  if (has("places")) {
    patch.places = input.places ?? 1;
    patch.places_status = "GIVEN_BY_PARTNER";
  }
  if (has("type")) patch.type = input.type ?? null;
  if (has("snu")) patch.snu = input.snu ?? false;
  if (has("snuPlaces")) patch.snu_places = input.snuPlaces ?? null;
  if (has("openToMinors")) patch.open_to_minors = input.openToMinors ?? null;
  if (has("reducedMobilityAccessible")) patch.reduced_mobility_accessible = input.reducedMobilityAccessible ?? null;
  if (has("closeToTransport")) patch.close_to_transport = input.closeToTransport ?? null;
  if (has("compensationAmount")) patch.compensation_amount = input.compensationAmount == null ? null : String(input.compensationAmount);
  if (has("compensationAmountMax")) patch.compensation_amount_max = input.compensationAmountMax == null ? null : String(input.compensationAmountMax);
  if (has("compensationUnit")) patch.compensation_unit = trimOrNull(input.compensationUnit);
  if (has("compensationType")) patch.compensation_type = trimOrNull(input.compensationType)?.toLowerCase() ?? null;
  return patch;
}

/** Applies a patch over a base draft and recomputes the derived duration. */
export function mergeDraft(base: MissionDraft, patch: Partial<MissionDraft>): MissionDraft {
  const merged = { ...base, ...patch };
  merged.duration = merged.start_at && merged.end_at ? monthsBetween(merged.start_at, merged.end_at) : null;
  return merged;
}
