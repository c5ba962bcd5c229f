/**
 * Geographic helpers (pure).
 */

export interface LatLon {
  lat: number;
  lon: number;
}

/** Mean Earth radius used for distances, in kilometres. */
export const EARTH_RADIUS_KM = 6371;

/** Great-circle distance between two WGS84 points, in kilometres (haversine formula, R = 6371 km). */
export function haversineKm(a: LatLon, b: LatLon): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLon = (b.lon - a.lon) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * `true` when `value` is a usable coordinate pair: finite numbers, latitude in [-90, 90] and
 * longitude in [-180, 180]. Numeric strings are not accepted here; parse them first.
 */
export function isValidLatLon(value: unknown): value is LatLon {
  if (value === null || typeof value !== "object") return false;
  const { lat, lon } = value as Record<string, unknown>;
  return (
    typeof lat === "number" &&
    typeof lon === "number" &&
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    lat >= -90 &&
    lat <= 90 &&
    lon >= -180 &&
    lon <= 180
  );
}
