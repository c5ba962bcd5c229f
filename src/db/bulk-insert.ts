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

/** A value as it reached the database through JSON before: what JSON cannot carry is NULL, not an error. */
function sqlValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  if (v instanceof Date && Number.isNaN(v.getTime())) return null;
  return v;
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

/**
 * A PostgreSQL array literal of scalar values (also the element of a text[] parameter whose items
 * are arrays), built in one pass: pg's own conversion of a JS array
 * (value by value, dates formatted by hand in local time) was most of the Node side of a batch.
 * Dates as ISO-8601 UTC: the same instant for a timestamptz.
 */
function arrayParam(values: readonly unknown[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) out += ",";
    const v = values[i];
    if (v === null || v === undefined) {
      out += "NULL";
      continue;
    }
    let text = v instanceof Date ? v.toISOString() : String(v);
    if (NEEDS_ESCAPE.test(text)) text = text.replace(/[\\"]/g, "\\$&");
    out += `"${text}"`;
  }
  return `${out}}`;
}

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
    const isArray = typeOf(c).endsWith("[]");
    // A JSON value goes as its text: pg would turn a JS array into a PostgreSQL array instead.
    const isJson = typeOf(c) === "jsonb" || typeOf(c) === "json";
    const values = valuesOf(c).map((v) => {
      if (isJson) return v === undefined || v === null ? null : JSON.stringify(v);
      return isArray && Array.isArray(v) ? arrayParam(v) : sqlValue(v);
    });
    const type = isArray ? "text" : typeOf(c);
    return sql`${isArray || isJson || SCALAR_TYPES.has(type) ? arrayParam(values) : values}::${sql.raw(type)}[]`;
  });
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((c) => sql.id(c)))})
    SELECT ${sql.join(select)} FROM unnest(${sql.join(arrays)}) AS u(${sql.join(aliases)})`;
}

export async function insertRows(db: Db, table: BulkTable, rows: object[]): Promise<void> {
  if (rows.length) await (await insertStatement(db, table, rows)).execute(db);
}
