/**
 * Bulk INSERT of many rows in one statement, with one typed array parameter per column: used by the
 * feed import and the tracking event writer.
 */
import { type Expression, sql } from "kysely";
import type { Db } from "./connection.ts";
import type { Database } from "./schema.ts";

/** Tables written in bulk. */
export type BulkTable = keyof Database;

/** SQL type of each column (`format_type`), by table: read once, they change only with a migration. */
const columnTypes = new Map<BulkTable, Map<string, string>>();

async function columnTypesOf(db: Db, table: BulkTable, columns: readonly string[]): Promise<Map<string, string>> {
  const cached = columnTypes.get(table);
  if (cached && columns.every((c) => cached.has(c))) return cached;
  const { rows } = await sql<{ name: string; type: string }>`
    SELECT attname AS name, format_type(atttypid, atttypmod) AS type
    FROM pg_attribute WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped
  `.execute(db);
  const types = new Map(rows.map((r) => [r.name, r.type]));
  columnTypes.set(table, types);
  return types;
}

export interface InsertOptions {
  /**
   * Columns whose inserted value is an SQL expression of the row's values (`value(column)`), e.g.
   * a flag looked up in another table as the rows are inserted.
   */
  computed?: Record<string, (value: (column: string) => Expression<unknown>) => Expression<unknown>>;
}

/** Column types whose values `arrayParam` writes exactly as pg would (everything else goes through pg). */
const SCALAR_TYPES = new Set(["text", "uuid", "timestamp with time zone", "boolean", "integer", "bigint", "smallint", "double precision", "real", "numeric"]);
const NEEDS_ESCAPE = /[\\"]/;

/** Dates as ISO-8601 UTC (the same instant for a timestamptz); rows written together often share one. */
let lastDate = Number.NaN;
let lastIso = "";
function isoOf(date: Date): string | null {
  const time = date.getTime();
  if (time !== lastDate) {
    if (Number.isNaN(time)) return null;
    lastDate = time;
    lastIso = date.toISOString();
  }
  return lastIso;
}

/** A value as it reached the database through JSON before: what JSON cannot carry is NULL, not an error. */
function scalarText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (v instanceof Date) return isoOf(v);
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  return String(v);
}

/**
 * A PostgreSQL array literal of the values' texts (null: NULL), built in one pass: pg's own
 * conversion of a JS array (value by value, dates formatted by hand in local time) was most of the
 * Node side of a batch. Without NULLs the elements are joined between quotes at once.
 */
function arrayLiteral(values: readonly unknown[], text: (v: unknown) => string | null): string {
  if (values.length === 0) return "{}";
  const texts = new Array<string>(values.length);
  let isNull: Uint8Array | undefined;
  for (let i = 0; i < values.length; i += 1) {
    const t = text(values[i]);
    if (t === null) {
      isNull ??= new Uint8Array(values.length);
      isNull[i] = 1;
      texts[i] = "NULL";
    } else {
      texts[i] = NEEDS_ESCAPE.test(t) ? t.replace(/[\\"]/g, "\\$&") : t;
    }
  }
  if (!isNull) return `{"${texts.join('","')}"}`;
  for (let i = 0; i < texts.length; i += 1) if (!isNull[i]) texts[i] = `"${texts[i]}"`;
  return `{${texts.join(",")}}`;
}

const EMPTY_ARRAY = "{}";
/** An array value (an element of a column of arrays): its own literal. */
const arrayText = (v: unknown): string | null => {
  if (!Array.isArray(v)) return scalarText(v);
  return v.length === 0 ? EMPTY_ARRAY : arrayLiteral(v, scalarText);
};
/** For pg to convert: what JSON cannot carry as NULL. */
const scalarOrValue = (v: unknown): unknown => (v === undefined || (typeof v === "number" && !Number.isFinite(v)) || (v instanceof Date && Number.isNaN(v.getTime())) ? null : v);
const jsonText = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Bulk INSERT with one array parameter per column, zipped back into rows by unnest(). PostgreSQL
 * reads typed arrays far faster than it parses the same rows as JSON (json_populate_recordset
 * was most of the server's time of a first import), and a few dozen parameters carry any number
 * of rows. An array-typed column travels as a text[] of array literals, cast back per row (arrays
 * of arrays must be rectangular). Every row must have the same keys.
 */
export function insertStatement(db: Db, table: BulkTable, rows: object[], options: InsertOptions = {}) {
  const names = Object.keys(rows[0]!);
  return insertColumnsStatement(db, table, names, (c) => (rows as Record<string, unknown>[]).map((r) => r[c]), options);
}

/** The same from the values of each column (`valuesOf(column)`, one per row, same length for all). */
export async function insertColumnsStatement(
  db: Db,
  table: BulkTable,
  names: readonly string[],
  valuesOf: (column: string) => unknown[],
  options: InsertOptions = {},
) {
  const types = await columnTypesOf(db, table, names);
  const typeOf = (name: string) => {
    const type = types.get(name);
    if (!type) throw new Error(`${table}.${name}: unknown column`);
    return type;
  };
  const aliases = names.map((_, i) => sql.id(`c${i}`));
  const value = (c: string): Expression<unknown> => {
    const i = names.indexOf(c);
    if (i === -1) throw new Error(`${table}.${c}: not in the rows`);
    return typeOf(c).endsWith("[]") ? sql`${aliases[i]}::${sql.raw(typeOf(c))}` : aliases[i]!;
  };
  const select = names.map((c) => options.computed?.[c]?.(value) ?? value(c));
  const arrays = names.map((c) => {
    const type = typeOf(c);
    // An array value travels as its literal in a text[]; a JSON value as its text (pg would turn a
    // JS array into a PostgreSQL array instead); other types pg does not know as scalars go through pg.
    if (type.endsWith("[]")) return sql`${arrayLiteral(valuesOf(c), arrayText)}::text[]`;
    if (type === "jsonb" || type === "json") return sql`${arrayLiteral(valuesOf(c), jsonText)}::${sql.raw(type)}[]`;
    if (SCALAR_TYPES.has(type)) return sql`${arrayLiteral(valuesOf(c), scalarText)}::${sql.raw(type)}[]`;
    return sql`${valuesOf(c).map(scalarOrValue)}::${sql.raw(type)}[]`;
  });
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((c) => sql.id(c)))})
    SELECT ${sql.join(select)} FROM unnest(${sql.join(arrays)}) AS u(${sql.join(aliases)})`;
}

export async function insertRows(db: Db, table: BulkTable, rows: object[]): Promise<void> {
  if (rows.length) await (await insertStatement(db, table, rows)).execute(db);
}
