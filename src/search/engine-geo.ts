/**
 * Geometry of the geo filter: great-circle distance on a sphere of R = 6371 km (the legacy radius) and
 * a fixed grid of 0.1° × 0.1° cells holding the addresses, used to find candidates; the exact distance
 * then decides.
 *
 * Points are stored as unit vectors (x, y, z). The great-circle distance is `2R·asin(chord/2)` where
 * `chord` is the straight-line distance between the unit vectors: the same value as the haversine
 * formula, and "distance ≤ r" is "chord² ≤ (2·sin(r/2R))²", a test without trigonometry.
 */
import { growInt32, nextCapacity, NONE } from "./engine-values.ts";

export const EARTH_RADIUS_KM = 6371;
const DEG = Math.PI / 180;

/** Grid: 1800 rows of latitude × 3600 columns of longitude. */
const CELLS_PER_DEGREE = 10;
const LAT_CELLS = 180 * CELLS_PER_DEGREE;
const LON_CELLS = 360 * CELLS_PER_DEGREE;

/** Haversine distance in km between two points given in degrees (reference formula; tests). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const sinLat = Math.sin(((lat2 - lat1) * DEG) / 2);
  const sinLon = Math.sin(((lon2 - lon1) * DEG) / 2);
  const a = sinLat * sinLat + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * sinLon * sinLon;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** True for a usable coordinate pair. */
export function isValidPoint(lat: number | null, lon: number | null): lat is number {
  return (
    typeof lat === "number" && typeof lon === "number" && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
  );
}

function latRow(latDeg: number): number {
  return Math.min(LAT_CELLS - 1, Math.max(0, Math.floor((latDeg + 90) * CELLS_PER_DEGREE)));
}

function lonColumn(lonDeg: number): number {
  const j = Math.floor((lonDeg + 180) * CELLS_PER_DEGREE);
  return ((j % LON_CELLS) + LON_CELLS) % LON_CELLS;
}

/** The grid cell of a point (degrees). */
export function cellOf(latDeg: number, lonDeg: number): number {
  return latRow(latDeg) * LON_CELLS + lonColumn(lonDeg);
}

/**
 * The cells that may hold a point within `km` of (latDeg, lonDeg): those meeting the circle's
 * bounding box in latitude/longitude (exact for a sphere, poles and the antimeridian included).
 * Returns null when that is more than `maxCells` cells (the caller then checks every address).
 */
export function cellsWithin(latDeg: number, lonDeg: number, km: number, maxCells: number): number[] | null {
  const r = km / EARTH_RADIUS_KM; // angular radius
  if (!(r >= 0) || r >= Math.PI) return null;
  const lat = latDeg * DEG;
  const margin = 1e-9;
  const latMin = (lat - r) / DEG - margin;
  const latMax = (lat + r) / DEG + margin;
  let allLongitudes = latMax >= 90 || latMin <= -90;
  let lonMin = 0;
  let lonMax = 0;
  if (!allLongitudes) {
    const ratio = Math.sin(r) / Math.cos(lat);
    if (ratio >= 1) allLongitudes = true;
    else {
      const dLon = Math.asin(ratio) / DEG + margin;
      lonMin = lonDeg - dLon;
      lonMax = lonDeg + dLon;
      if (lonMax - lonMin >= 360) allLongitudes = true;
    }
  }
  const row0 = latRow(latMin);
  const row1 = latRow(latMax);
  let columns: number[];
  if (allLongitudes) {
    if ((row1 - row0 + 1) * LON_CELLS > maxCells) return null;
    columns = Array.from({ length: LON_CELLS }, (_, j) => j);
  } else {
    const first = Math.floor((lonMin + 180) * CELLS_PER_DEGREE);
    const last = Math.floor((lonMax + 180) * CELLS_PER_DEGREE);
    if ((row1 - row0 + 1) * (last - first + 1) > maxCells) return null;
    columns = [];
    for (let j = first; j <= last; j++) columns.push(((j % LON_CELLS) + LON_CELLS) % LON_CELLS);
  }
  const cells: number[] = [];
  for (let row = row0; row <= row1; row++) for (const column of columns) cells.push(row * LON_CELLS + column);
  return cells;
}

/** Writes the unit vector of a point (degrees) at `out[offset..offset+3)`. */
export function unitVector(latDeg: number, lonDeg: number, out: Float64Array, offset: number): void {
  const lat = latDeg * DEG;
  const lon = lonDeg * DEG;
  const c = Math.cos(lat);
  out[offset] = c * Math.cos(lon);
  out[offset + 1] = c * Math.sin(lon);
  out[offset + 2] = Math.sin(lat);
}

/** Squared chord length (unit sphere) of a great-circle distance in km. */
export function chord2OfKm(km: number): number {
  if (km >= Math.PI * EARTH_RADIUS_KM) return 4;
  const c = 2 * Math.sin(Math.max(0, km) / (2 * EARTH_RADIUS_KM));
  return c * c;
}

/** Great-circle distance in km of a squared chord length (unit sphere). */
export function kmOfChord2(chord2: number): number {
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(chord2) / 2));
}

/**
 * The addresses with coordinates, by grid cell. Each cell packs its entries in typed arrays (doc slot,
 * address slot, unit vector), so that a query scans candidate cells sequentially; removal swaps the
 * last entry into the freed position (`addrCell`/`addrPos` locate an address).
 */
export class GeoGrid {
  private readonly cellNumber = new Map<number, number>();
  private cellDocs: Int32Array<ArrayBuffer>[] = [];
  private cellAddrs: Int32Array<ArrayBuffer>[] = [];
  private cellXyz: Float64Array<ArrayBuffer>[] = [];
  private cellLength: number[] = [];
  private addrCell = new Int32Array(0);
  private addrPos = new Int32Array(0);
  private total = 0;

  get size(): number {
    return this.total;
  }

  resize(capacity: number): void {
    this.addrCell = growInt32(this.addrCell, capacity, NONE);
    this.addrPos = growInt32(this.addrPos, capacity, 0);
  }

  add(addr: number, doc: number, latDeg: number, lonDeg: number): void {
    const key = cellOf(latDeg, lonDeg);
    let cell = this.cellNumber.get(key);
    if (cell === undefined) {
      cell = this.cellLength.length;
      this.cellNumber.set(key, cell);
      this.cellDocs.push(new Int32Array(4));
      this.cellAddrs.push(new Int32Array(4));
      this.cellXyz.push(new Float64Array(12));
      this.cellLength.push(0);
    }
    const pos = this.cellLength[cell]!;
    if (pos >= this.cellDocs[cell]!.length) {
      const size = nextCapacity(this.cellDocs[cell]!.length, pos + 1);
      this.cellDocs[cell] = growInt32(this.cellDocs[cell]!, size, 0);
      this.cellAddrs[cell] = growInt32(this.cellAddrs[cell]!, size, 0);
      const xyz = new Float64Array(size * 3);
      xyz.set(this.cellXyz[cell]!);
      this.cellXyz[cell] = xyz;
    }
    this.cellDocs[cell]![pos] = doc;
    this.cellAddrs[cell]![pos] = addr;
    unitVector(latDeg, lonDeg, this.cellXyz[cell]!, pos * 3);
    this.cellLength[cell] = pos + 1;
    this.addrCell[addr] = cell;
    this.addrPos[addr] = pos;
    this.total++;
  }

  remove(addr: number): void {
    const cell = this.addrCell[addr] ?? NONE;
    if (cell === NONE) return;
    const pos = this.addrPos[addr]!;
    const last = this.cellLength[cell]! - 1;
    const docs = this.cellDocs[cell]!;
    const addrs = this.cellAddrs[cell]!;
    const xyz = this.cellXyz[cell]!;
    if (pos !== last) {
      const moved = addrs[last]!;
      docs[pos] = docs[last]!;
      addrs[pos] = moved;
      xyz[pos * 3] = xyz[last * 3]!;
      xyz[pos * 3 + 1] = xyz[last * 3 + 1]!;
      xyz[pos * 3 + 2] = xyz[last * 3 + 2]!;
      this.addrPos[moved] = pos;
    }
    this.cellLength[cell] = last;
    this.addrCell[addr] = NONE;
    this.total--;
  }

  /** The cells to scan for a circle (null: all of them), and how many entries they hold. */
  candidates(latDeg: number, lonDeg: number, km: number, maxCells: number): { cells: number[] | null; entries: number } {
    const keys = cellsWithin(latDeg, lonDeg, km, maxCells);
    if (!keys || keys.length > this.cellLength.length * 4) return { cells: null, entries: this.total };
    const cells: number[] = [];
    let entries = 0;
    for (const key of keys) {
      const cell = this.cellNumber.get(key);
      if (cell === undefined || this.cellLength[cell] === 0) continue;
      cells.push(cell);
      entries += this.cellLength[cell]!;
    }
    return { cells, entries };
  }

  /**
   * Calls `fn(addr, doc, chord2)` for every address within `km` of the point (chord2: squared chord,
   * see {@link kmOfChord2}), scanning the given cells (from {@link candidates}; null = all cells).
   */
  within(latDeg: number, lonDeg: number, km: number, cells: readonly number[] | null, fn: (addr: number, doc: number, chord2: number) => void): void {
    const q = new Float64Array(3);
    unitVector(latDeg, lonDeg, q, 0);
    const qx = q[0]!;
    const qy = q[1]!;
    const qz = q[2]!;
    const max = chord2OfKm(km);
    const count = cells ? cells.length : this.cellLength.length;
    for (let i = 0; i < count; i++) {
      const cell = cells ? cells[i]! : i;
      const n = this.cellLength[cell]!;
      const xyz = this.cellXyz[cell]!;
      const docs = this.cellDocs[cell]!;
      const addrs = this.cellAddrs[cell]!;
      for (let p = 0; p < n; p++) {
        const dx = xyz[p * 3]! - qx;
        const dy = xyz[p * 3 + 1]! - qy;
        const dz = xyz[p * 3 + 2]! - qz;
        const c2 = dx * dx + dy * dy + dz * dz;
        if (c2 <= max) fn(addrs[p]!, docs[p]!, c2);
      }
    }
  }
}
