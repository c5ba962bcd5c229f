/**
 * Bulk INSERT of many rows in one statement, with one typed array parameter per column: used by the
 * feed import and the tracking event writer.
 */
import { sql } from "kysely";
import type { Db } from "./connection.ts";
import type { Database } from "./schema.ts";

/** Tables written in bulk. */
export type BulkTable = keyof Database;

/** SQL type of each column (`format_type`), by table: read once, they change only with a migration. */
const columnTypes = new Map<BulkTable, Map<string, string>>();

async function columnTypesOf(db: Db, table: BulkTable, columns: string[]): Promise<Map<string, string>> {
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

/** PostgreSQL array literal of strings (the element of a text[] parameter whose items are arrays). */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null || v === undefined ? "NULL" : `"${String(v).replace(/[\\"]/g, "\\$&")}"`)).join(",")}}`;
}

/**
 * Bulk INSERT with one array parameter per column, zipped back into rows by unnest(). PostgreSQL
 * reads typed arrays far faster than it parses the same rows as JSON (json_populate_recordset
 * was most of the server's time of a first import), and a few dozen parameters carry any number
 * of rows. An array-typed column travels as a text[] of array literals, cast back per row (arrays
 * of arrays must be rectangular). Every row must have the same keys.
 */
export async function insertStatement(db: Db, table: BulkTable, rows: object[]) {
  const names = Object.keys(rows[0]!);
  const types = await columnTypesOf(db, table, names);
  const typeOf = (name: string) => {
    const type = types.get(name);
    if (!type) throw new Error(`${table}.${name}: unknown column`);
    return type;
  };
  const aliases = names.map((_, i) => sql.id(`c${i}`));
  const select = names.map((c, i) => (typeOf(c).endsWith("[]") ? sql`${aliases[i]}::${sql.raw(typeOf(c))}` : aliases[i]!));
  const arrays = names.map((c) => {
    const isArray = typeOf(c).endsWith("[]");
    // A JSON value goes as its text: pg would turn a JS array into a PostgreSQL array instead.
    const isJson = typeOf(c) === "jsonb" || typeOf(c) === "json";
    const values = (rows as Record<string, unknown>[]).map((r) => {
      const v = r[c];
      if (isJson) return v === undefined || v === null ? null : JSON.stringify(v);
      return isArray && Array.isArray(v) ? arrayLiteral(v) : sqlValue(v);
    });
    return sql`${values}::${sql.raw(isArray ? "text" : typeOf(c))}[]`;
  });
  return sql`INSERT INTO ${sql.table(table)} (${sql.join(names.map((c) => sql.id(c)))})
    SELECT ${sql.join(select)} FROM unnest(${sql.join(arrays)}) AS u(${sql.join(aliases)})`;
}

export async function insertRows(db: Db, table: BulkTable, rows: object[]): Promise<void> {
  if (rows.length) await (await insertStatement(db, table, rows)).execute(db);
}
