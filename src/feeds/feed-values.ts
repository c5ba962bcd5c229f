/**
 * Small readers over one `<mission>` element of a feed: child lookup with aliases, lists, numbers
 * and coordinates. Pure, no I/O, never throw. Values stay text until a reader turns them into
 * something else ("00123" is never 123).
 */
import { isValidLatLon, type LatLon } from "../places/geo.ts";
import type { XmlElement } from "./types.ts";

/** Children of an element (defensive: a hand-built element may lack the array). */
function childrenOf(el: XmlElement | undefined): XmlElement[] {
  return el && Array.isArray(el.children) ? el.children : [];
}

/** Own text of an element, trimmed; "" when none. */
export function ownText(el: XmlElement | undefined): string {
  return el && typeof el.text === "string" ? el.text.trim() : "";
}

/** True when the element or one of its descendants holds non-blank text. */
export function hasContent(el: XmlElement | undefined): boolean {
  if (!el) return false;
  if (ownText(el) !== "") return true;
  return childrenOf(el).some(hasContent);
}

/** First direct child named `name` (names are case-sensitive, as in XML). */
export function childElement(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return childrenOf(el).find((c) => c.name === name);
}

/** Every direct child named `name`, in feed order. */
export function childElements(el: XmlElement | undefined, name: string): XmlElement[] {
  return childrenOf(el).filter((c) => c.name === name);
}

/**
 * The element for a field given under several names (the name first, then its aliases): the first
 * one that holds a value; else the first one present (an empty element); else `undefined`.
 */
export function findElement(el: XmlElement | undefined, names: readonly string[]): XmlElement | undefined {
  let firstPresent: XmlElement | undefined;
  for (const name of names) {
    const found = childElement(el, name);
    if (!found) continue;
    if (hasContent(found)) return found;
    firstPresent ??= found;
  }
  return firstPresent;
}

/** Trimmed own text of the first element found under `names`, or `null` when missing or blank. */
export function textOrNull(el: XmlElement | undefined, names: readonly string[]): string | null {
  const text = ownText(findElement(el, names));
  return text === "" ? null : text;
}

/** A text read from the feed, with the element it came from (for the problem's line). */
export interface Located<T> {
  value: T;
  element: XmlElement | undefined;
}

/** Names of the children that hold one list item each. */
const ITEM_NAMES: ReadonlySet<string> = new Set(["value", "item"]);

/**
 * Raw list value of one element, in the forms the normalisers read:
 * - `<value>`/`<item>` children: an array of their texts (one item each, never split on commas);
 * - otherwise the element's text (a comma-separated string).
 */
export function rawList(el: XmlElement | undefined): string | string[] {
  const items = childrenOf(el).filter((c) => ITEM_NAMES.has(c.name));
  if (items.length > 0) return items.map(ownText);
  return ownText(el);
}

/**
 * Raw list value of a field given under several names: the first name with a value wins; repeated
 * elements of that name (`<tags>a</tags><tags>b</tags>`) are read together. `null` when none has a value.
 */
export function findRawList(el: XmlElement | undefined, names: readonly string[]): Located<string[] | string> | null {
  for (const name of names) {
    const found = childElements(el, name).filter(hasContent);
    const first = found[0];
    if (!first) continue;
    if (found.length === 1) return { value: rawList(first), element: first };
    const merged: string[] = [];
    for (const one of found) {
      const value = rawList(one);
      if (Array.isArray(value)) merged.push(...value);
      else merged.push(...value.split(","));
    }
    return { value: merged, element: first };
  }
  return null;
}

/** Spaces allowed inside a number ("1 000", with normal, no-break or narrow no-break spaces). */
const NUMBER_SPACES = /[\s\u00a0\u202f]/g;
const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;

/**
 * A decimal number written by a person: optional sign, `.` or `,` (French) as decimal separator,
 * spaces between digit groups ignored. `null` for blank text, `NaN` for anything unreadable
 * ("abc", "1e3", "10 €", "1.000,5").
 */
export function parseDecimal(text: string | null | undefined): number | null {
  if (text == null) return null;
  const compact = text.replace(NUMBER_SPACES, "");
  if (compact === "") return null;
  if (!DECIMAL.test(compact)) return Number.NaN;
  const value = Number(compact.replace(",", "."));
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Largest value of a PostgreSQL `integer` column. */
export const MAX_INT4 = 2_147_483_647;

/**
 * A whole number that fits an `integer` column ("3", "+3", "-2", "3.0"). `null` for blank text,
 * `NaN` for anything else ("2.5", "abc", "99999999999").
 */
export function parseInteger(text: string | null | undefined): number | null {
  const value = parseDecimal(text);
  if (value === null) return null;
  if (!Number.isInteger(value) || Math.abs(value) > MAX_INT4) return Number.NaN;
  return value === 0 ? 0 : value; // no -0
}

export type Coordinates = LatLon;

/** Two numbers of a pair such as "2.35, 48.85" (comma, semicolon or space between them), or null. */
function numberPair(text: string): [number, number] | null {
  const parts = text.trim().split(/\s*[,;]\s*|\s+/);
  if (parts.length !== 2) return null;
  const [a, b] = parts.map((p) => (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(p) ? Number(p) : Number.NaN));
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return [a, b];
}

/**
 * Legacy `<lonlat>` "a,b", read with today's heuristic: when the smaller value is between 4.3 and 8
 * it is the longitude (eastern France, where lat > 41); else when b is outside ±90 it is the
 * longitude; else a = lon, b = lat. `null` when the text is not two numbers or the result is out of range.
 */
export function parseLonlatHeuristic(text: string): Coordinates | null {
  const pair = numberPair(text);
  if (!pair) return null;
  const [a, b] = pair;
  const smaller = Math.min(a, b);
  let point: Coordinates;
  if (smaller >= 4.3 && smaller <= 8) point = smaller === a ? { lon: a, lat: b } : { lon: b, lat: a };
  else if (Math.abs(b) > 90) point = { lat: a, lon: b };
  else point = { lon: a, lat: b };
  return isValidLatLon(point) ? point : null;
}

/** `<lonLat>` "lat,lon" (Service Civique's order, despite the name), or null when unreadable/out of range. */
export function parseLatLonPair(text: string): Coordinates | null {
  const pair = numberPair(text);
  if (!pair) return null;
  const point = { lat: pair[0], lon: pair[1] };
  return isValidLatLon(point) ? point : null;
}

/** Separate latitude and longitude texts (decimal comma accepted), or null when unreadable/out of range. */
export function parseLatLonTexts(lat: string | null, lon: string | null): Coordinates | null {
  const point = { lat: parseDecimal(lat) ?? Number.NaN, lon: parseDecimal(lon) ?? Number.NaN };
  return isValidLatLon(point) ? point : null;
}

/** A feed value quoted for a message, shortened past 80 characters: « value ». */
export function quote(text: string): string {
  const chars = [...text];
  const shown = chars.length > 80 ? `${chars.slice(0, 80).join("")}…` : text;
  return `« ${shown} »`;
}
