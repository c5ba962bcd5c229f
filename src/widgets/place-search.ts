/**
 * Places a visitor can search around, by commune name or postal code, from the offline reference
 * data (communes with coordinates, most populous first). No outside geocoding service.
 */
import { type LocatedCommune, listCommunesWithCoordinates } from "../places/communes.ts";
import { removeAccents } from "../taxonomy/slug.ts";

export interface PlaceHit {
  label: string;
  lat: number;
  lon: number;
}

interface Entry {
  key: string;
  postalCodes: readonly string[];
  commune: LocatedCommune;
}

/** Lower case, no accents, hyphens and apostrophes as spaces, « saint » as « st ». */
export function placeKey(text: string): string {
  return removeAccents(text)
    .toLowerCase()
    .replace(/['’\-]/g, " ")
    .replace(/\bsaint(e?)\b/g, "st$1")
    .replace(/\s+/g, " ")
    .trim();
}

let entries: Entry[] | undefined;

function index(): Entry[] {
  entries ??= [...listCommunesWithCoordinates()]
    .sort((a, b) => (b.population ?? 0) - (a.population ?? 0) || a.name.localeCompare(b.name, "fr"))
    .map((commune) => ({ key: placeKey(commune.name), postalCodes: commune.postalCodes, commune }));
  return entries;
}

const labelOf = (c: LocatedCommune) => `${c.name} (${c.postalCodes[0] ?? c.departmentCode})`;

/** Communes whose name starts with the text (or whose postal code starts with its digits), most populous first. */
export function searchPlaces(text: string, limit = 6): PlaceHit[] {
  const query = text.trim();
  if (query.length < 2 || query.length > 100) return [];
  const digits = /^\d{2,5}$/.test(query);
  const key = placeKey(query.replace(/\s*\(\d{2,5}\)\s*$/, ""));
  const wantedCode = /\((\d{5})\)\s*$/.exec(query)?.[1];
  const hits: PlaceHit[] = [];
  for (const e of index()) {
    const match = digits ? e.postalCodes.some((pc) => pc.startsWith(query)) : e.key.startsWith(key) && (!wantedCode || e.postalCodes.includes(wantedCode));
    if (!match) continue;
    hits.push({ label: labelOf(e.commune), lat: e.commune.lat, lon: e.commune.lon });
    if (hits.length >= limit) break;
  }
  // An exact name first (« Paris » before « Parisot »… the most populous already is, but not always).
  if (!digits) hits.sort((a, b) => Number(placeKey(b.label.replace(/ \(.*$/, "")) === key) - Number(placeKey(a.label.replace(/ \(.*$/, "")) === key));
  return hits;
}
