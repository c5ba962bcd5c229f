/**
 * Organisation identifiers of a mission: RNA (associations register), SIREN/SIRET (companies
 * register), and the client id under which an annonceur's organisation is stored.
 *
 * Pure, no I/O. Identifiers are STRINGS: leading zeros are significant ("012345678" is a SIREN).
 * A value that arrives as a number has already lost them; it is read as is and, when it no longer has
 * the right length, rejected rather than guessed.
 */
import { slugify } from "../../taxonomy/slug.ts";

export { slugify };

type IdentifierInput = string | number | null | undefined;

/**
 * RNA number ("numéro Waldec"), normalised: upper-cased, every non-alphanumeric character removed
 * ("w75-123 4567" → "W751234567"), and valid only as `W` followed by 9 letters or digits; `null`
 * otherwise.
 *
 * The reference says "W + 9 digits/W" in one place and "W followed by 9 characters" in another; real
 * numbers carry letters after the W for Corsica (W2A…, W2B…) and some overseas prefectures (W9R…),
 * so any 9 alphanumerics are accepted.
 */
export function normalizeRna(v: IdentifierInput): string | null {
  if (v === null || v === undefined) return null;
  const value = String(v).toUpperCase().replace(/[^A-Z0-9]/g, "");
  return /^W[A-Z0-9]{9}$/.test(value) ? value : null;
}

/** Digits of an identifier, everything else (spaces, dots, dashes) removed. */
function digitsOf(v: IdentifierInput): string {
  if (v === null || v === undefined) return "";
  return String(v).replace(/\D/g, "");
}

/** A 9-digit SIREN (leading zeros included). The Luhn key is not checked: see `hasLuhnChecksum`. */
export function isValidSiren(v: IdentifierInput): boolean {
  return typeof v === "string" && /^\d{9}$/.test(v);
}

/** A 14-digit SIRET (leading zeros included). The Luhn key is not checked: see `hasLuhnChecksum`. */
export function isValidSiret(v: IdentifierInput): boolean {
  return typeof v === "string" && /^\d{14}$/.test(v);
}

/**
 * Luhn checksum of a digit string, as used by INSEE for SIREN and SIRET. Informational only: the
 * validators above do not require it, because La Poste's establishments (SIREN 356000000) use another
 * rule and because the legacy service accepted any 9/14-digit value; rejecting them would refuse
 * organisations that partners send today. The registry lookup (verification job) is the real check.
 */
export function hasLuhnChecksum(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * SIREN and SIRET from one value (the feed's `organizationSiren` may hold either): digits only;
 * 14 digits → `siret` = those, `siren` = the first 9; 9 digits → `siren` only; anything else → both null.
 */
export function normalizeSiren(v: IdentifierInput): { siren: string | null; siret: string | null } {
  const digits = digitsOf(v);
  if (digits.length === 14) return { siren: digits.slice(0, 9), siret: digits };
  if (digits.length === 9) return { siren: digits, siret: null };
  return { siren: null, siret: null };
}

export interface OrganizationIdentifiersInput {
  /** The annonceur's own id for the organisation. */
  organizationClientId?: IdentifierInput;
  /** Legacy alias of `organizationClientId` (XML feeds). */
  organizationId?: IdentifierInput;
  organizationRNA?: IdentifierInput;
  organizationSiret?: IdentifierInput;
  /** May hold a SIRET (14 digits): see `normalizeSiren`. */
  organizationSiren?: IdentifierInput;
  organizationName?: string | null;
}

/** Trimmed string form of an explicit id, or null when blank. */
function explicitId(v: IdentifierInput): string | null {
  if (v === null || v === undefined) return null;
  const value = String(v).trim();
  return value === "" ? null : value;
}

/**
 * The normalised RNA, SIRET and SIREN of an organisation. Either field may carry either number:
 * a 14-digit `organizationSiren` gives the SIRET, a 9-digit `organizationSiret` gives the SIREN;
 * when both fields give one, `organizationSiret` wins for the SIRET and `organizationSiren` for the SIREN.
 */
export function organizationIdentifiers(input: OrganizationIdentifiersInput): {
  rna: string | null;
  siren: string | null;
  siret: string | null;
} {
  const fromSiret = normalizeSiren(input.organizationSiret);
  const fromSiren = normalizeSiren(input.organizationSiren);
  return {
    rna: normalizeRna(input.organizationRNA),
    siret: fromSiret.siret ?? fromSiren.siret,
    siren: fromSiren.siren ?? fromSiret.siren,
  };
}

/**
 * Client id of an annonceur's organisation, the first available of: explicit `organizationClientId`,
 * legacy `organizationId`, valid RNA, valid SIRET, valid SIREN, `slugify(organizationName)`.
 * `null` when none gives a value (the feed import then skips the mission).
 */
export function deriveOrganizationClientId(input: OrganizationIdentifiersInput): string | null {
  const { rna, siret, siren } = organizationIdentifiers(input);
  const fromName = input.organizationName ? slugify(input.organizationName) : "";
  return (
    explicitId(input.organizationClientId) ??
    explicitId(input.organizationId) ??
    rna ??
    siret ??
    siren ??
    (fromName === "" ? null : fromName)
  );
}
