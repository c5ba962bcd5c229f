/**
 * Automatic moderation of a mission: the 18 legacy rules, checked in order; the first failing rule
 * refuses the mission with its French message (`statusComment`), which annonceurs see in the API
 * response and the back office. A refused mission is still stored, but never diffused.
 *
 * Pure function: the caller passes already-normalised values (plain-text description from
 * `describe`, `remote` from `normalizeRemote`, country already turned into an ISO code, …) and the
 * country check, so that this module depends on no reference table.
 *
 * Differences with the legacy `getModeration`, all deliberate:
 * - rule 1 refuses any blank title (only spaces, tabs…), not just `""` and `" "`; rule 3 counts
 *   words after trimming and splits on any whitespace, so `" Jardinage "` is one word;
 * - "set" means neither null/undefined nor `""`; a string of spaces counts as missing for the
 *   required fields (title, clientId, description, applicationUrl);
 * - rule 7 counts characters as Unicode code points (as PostgreSQL does) and never cuts an emoji
 *   in half; the description is truncated whenever it is too long, even if an earlier rule is the
 *   one reported, so that a refused mission never stores an unbounded text;
 * - rule 11 also refuses NaN places (a number that is not > 0).
 */
import { isDomain } from "../../taxonomy/domains.ts";
import { isCompensationType, isCompensationUnit, isRemoteValue } from "./enums.ts";

export const MSG_TITLE_MISSING = "Titre manquant";
export const MSG_TITLE_ENCODING = "Problème d'encodage dans le titre";
export const MSG_TITLE_ONE_WORD = "Le titre est trop court (1 seul mot)";
export const MSG_CLIENT_ID_MISSING = "ClientId manquant";
export const MSG_DESCRIPTION_MISSING = "Description manquante";
export const MSG_DESCRIPTION_ENCODING = "Problème d'encodage dans la description";
export const MSG_DESCRIPTION_TOO_LONG = "La description est trop longue (plus de 20000 caractères)";
export const MSG_APPLICATION_URL_MISSING = "URL de candidature manquant";
export const msgInvalidCountry = (country: string): string => `Pays non valide : "${country}"`;
export const MSG_REMOTE_INVALID = "Valeur remote non valide (no, possible, full ou local)";
export const MSG_PLACES_INVALID = "Nombre de places invalide (doit être supérieur à 0)";
export const msgInvalidDomain = (domain: string): string => `Domaine non valide : "${domain}"`;
export const MSG_ORGANIZATION_NAME_ENCODING = "Problème d'encodage dans le nom de l'organisation";
export const MSG_COMPENSATION_AMOUNT_INVALID = "Montant de la compensation invalide (nombre positif attendu)";
export const MSG_COMPENSATION_AMOUNT_MAX_INVALID =
  "Montant maximum de la compensation invalide (nombre positif attendu)";
export const MSG_COMPENSATION_MAX_BELOW_MIN =
  "Le montant maximum de la compensation doit être supérieur ou égal au montant minimum";
export const MSG_COMPENSATION_UNIT_INVALID = "Unité de compensation invalide (hour, day, month, year)";
export const MSG_COMPENSATION_TYPE_INVALID = "Type de compensation invalide (gross, net)";

/** Maximum length of the plain-text description, in characters (code points). */
export const MAX_DESCRIPTION_LENGTH = 20_000;

/** The mission fields moderation reads. Absent and `null` mean "not set". */
export interface ModerationInput {
  title?: string | null;
  clientId?: string | null;
  /** Plain text (the `description` of `describe`), not the HTML. */
  description?: string | null;
  applicationUrl?: string | null;
  /** Already normalised ("France" → "FR") by the caller. */
  country?: string | null;
  /** Already normalised by `normalizeRemote`. */
  remote?: string | null;
  places?: number | null;
  domain?: string | null;
  organizationName?: string | null;
  compensationAmount?: number | null;
  compensationAmountMax?: number | null;
  compensationUnit?: string | null;
  compensationType?: string | null;
}

export interface ModerationContext {
  /** True when `code` is an ISO 3166-1 alpha-2 country code (provided by the places module). */
  isCountryCode: (code: string) => boolean;
}

export interface ModerationResult {
  statusCode: "ACCEPTED" | "REFUSED";
  /** The French message of the first failing rule; `""` when accepted. */
  statusComment: string;
  /** Present only when the description was longer than 20 000 characters: the truncated text to store. */
  description?: string;
}

export interface ModerationRule {
  /** Position in the legacy rule list (1–18); rules run in this order. */
  readonly id: number;
  /** The input field the rule is about. */
  readonly field: keyof ModerationInput;
  /** The refusal message; a function of the offending value for rules 9 and 12. */
  readonly message: string | ((value: string) => string);
  /** True when the mission breaks the rule. */
  readonly fails: (m: ModerationInput, ctx: ModerationContext) => boolean;
}

/** Neither null/undefined nor "". */
function isSet(v: string | null | undefined): v is string {
  return v !== null && v !== undefined && v !== "";
}

/** Null, undefined, or only whitespace. */
function isBlank(v: string | null | undefined): boolean {
  return v === null || v === undefined || v.trim() === "";
}

function isNumber(v: number | null | undefined): v is number {
  return typeof v === "number";
}

const ENCODING_MARK = "&#";

function codePointLength(text: string): number {
  // A UTF-16 string never has more code points than code units: skip the count for short strings.
  if (text.length <= MAX_DESCRIPTION_LENGTH) return text.length;
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  let count = 0;
  for (const char of text) {
    if (count === max) break;
    out += char;
    count += 1;
  }
  return out;
}

function isTooLong(description: string | null | undefined): description is string {
  return typeof description === "string" && codePointLength(description) > MAX_DESCRIPTION_LENGTH;
}

/** The 18 rules, in the order they are checked. The first one that fails decides. */
export const MODERATION_RULES: readonly ModerationRule[] = Object.freeze([
  { id: 1, field: "title", message: MSG_TITLE_MISSING, fails: (m) => isBlank(m.title) },
  { id: 2, field: "title", message: MSG_TITLE_ENCODING, fails: (m) => !!m.title?.includes(ENCODING_MARK) },
  {
    id: 3,
    field: "title",
    message: MSG_TITLE_ONE_WORD,
    fails: (m) => (m.title ?? "").trim().split(/\s+/).length === 1,
  },
  { id: 4, field: "clientId", message: MSG_CLIENT_ID_MISSING, fails: (m) => isBlank(m.clientId) },
  { id: 5, field: "description", message: MSG_DESCRIPTION_MISSING, fails: (m) => isBlank(m.description) },
  {
    id: 6,
    field: "description",
    message: MSG_DESCRIPTION_ENCODING,
    fails: (m) => !!m.description?.includes(ENCODING_MARK),
  },
  { id: 7, field: "description", message: MSG_DESCRIPTION_TOO_LONG, fails: (m) => isTooLong(m.description) },
  { id: 8, field: "applicationUrl", message: MSG_APPLICATION_URL_MISSING, fails: (m) => isBlank(m.applicationUrl) },
  {
    id: 9,
    field: "country",
    message: msgInvalidCountry,
    fails: (m, ctx) => isSet(m.country) && !ctx.isCountryCode(m.country),
  },
  { id: 10, field: "remote", message: MSG_REMOTE_INVALID, fails: (m) => isSet(m.remote) && !isRemoteValue(m.remote) },
  // `!(places > 0)` rather than `places <= 0` so that NaN is refused too.
  { id: 11, field: "places", message: MSG_PLACES_INVALID, fails: (m) => isNumber(m.places) && !(m.places > 0) },
  { id: 12, field: "domain", message: msgInvalidDomain, fails: (m) => isSet(m.domain) && !isDomain(m.domain) },
  {
    id: 13,
    field: "organizationName",
    message: MSG_ORGANIZATION_NAME_ENCODING,
    fails: (m) => !!m.organizationName?.includes(ENCODING_MARK),
  },
  {
    id: 14,
    field: "compensationAmount",
    message: MSG_COMPENSATION_AMOUNT_INVALID,
    fails: (m) => isNumber(m.compensationAmount) && m.compensationAmount < 0,
  },
  {
    id: 15,
    field: "compensationAmountMax",
    message: MSG_COMPENSATION_AMOUNT_MAX_INVALID,
    fails: (m) => isNumber(m.compensationAmountMax) && m.compensationAmountMax < 0,
  },
  {
    id: 16,
    field: "compensationAmountMax",
    message: MSG_COMPENSATION_MAX_BELOW_MIN,
    fails: (m) =>
      isNumber(m.compensationAmount) &&
      isNumber(m.compensationAmountMax) &&
      m.compensationAmountMax < m.compensationAmount,
  },
  {
    id: 17,
    field: "compensationUnit",
    message: MSG_COMPENSATION_UNIT_INVALID,
    fails: (m) => isSet(m.compensationUnit) && !isCompensationUnit(m.compensationUnit),
  },
  {
    id: 18,
    field: "compensationType",
    message: MSG_COMPENSATION_TYPE_INVALID,
    fails: (m) => isSet(m.compensationType) && !isCompensationType(m.compensationType),
  },
] satisfies ModerationRule[]);

/** The first rule the mission breaks, or `null` when it breaks none. */
export function firstFailingRule(m: ModerationInput, ctx: ModerationContext): ModerationRule | null {
  return MODERATION_RULES.find((rule) => rule.fails(m, ctx)) ?? null;
}

/**
 * Moderates a mission: `ACCEPTED` with `statusComment: ""`, or `REFUSED` with the message of the first
 * failing rule. When the description is longer than 20 000 characters, `description` holds it cut to
 * exactly 20 000 characters (the caller stores that instead).
 */
export function moderate(m: ModerationInput, ctx: ModerationContext): ModerationResult {
  const truncated = isTooLong(m.description)
    ? { description: truncateCodePoints(m.description, MAX_DESCRIPTION_LENGTH) }
    : {};
  const rule = firstFailingRule(m, ctx);
  if (rule === null) return { statusCode: "ACCEPTED", statusComment: "", ...truncated };
  const statusComment =
    typeof rule.message === "function" ? rule.message(String(m[rule.field] ?? "")) : rule.message;
  return { statusCode: "REFUSED", statusComment, ...truncated };
}
