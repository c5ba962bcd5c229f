/**
 * French postal code syntax (no reference data here: see `communes.ts` for existence checks).
 */

/**
 * Normalises a French postal code to its 5-character text form, keeping leading zeros.
 *
 * - numbers and 1–4 digit strings are left-padded with zeros (feeds and spreadsheets lose the zero:
 *   `1000` → `"01000"`);
 * - spaces and a leading `F-`/`FR-` are ignored (`"75 003"`, `"F-75003"` → `"75003"`);
 * - a 5-digit group followed by text ("75003 Paris", "75700 CEDEX 07") gives that group;
 * - anything else (empty, letters, 6+ digits) → `null`.
 */
export function normalizeFrenchPostalCode(input: string | number | null | undefined): string | null {
  if (input == null) return null;
  if (typeof input === "number") {
    if (!Number.isInteger(input) || input < 0 || input > 99999) return null;
    return String(input).padStart(5, "0");
  }
  let text = String(input).trim();
  if (!text) return null;
  text = text.replace(/^fr?\s*-\s*/i, "");
  const compact = text.replace(/\s+/g, "");
  if (/^\d{1,5}$/.test(compact)) return compact.padStart(5, "0");
  const leading = /^(\d{5})(?:\D|$)/.exec(text);
  if (leading) return leading[1]!;
  return null;
}

/**
 * Department code implied by the syntax of a French postal code, used only when the code is not in
 * the reference data (CEDEX codes, new codes): the first 2 digits, the first 3 for 97x/98x, and for
 * Corsica (20xxx) 2A below 20200 and 2B from 20200. The caller must check the code exists
 * (Monaco's 98000 gives "980", which is not a department).
 */
export function departmentCodeFromPostalCodeSyntax(postalCode: string): string | null {
  if (!/^\d{5}$/.test(postalCode)) return null;
  if (postalCode.startsWith("97") || postalCode.startsWith("98")) return postalCode.slice(0, 3);
  if (postalCode.startsWith("20")) return Number(postalCode) < 20200 ? "2A" : "2B";
  return postalCode.slice(0, 2);
}
