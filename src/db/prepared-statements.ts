/**
 * Prepared statements for the hot read paths. A query whose text starts with PREPARED (and that has
 * parameters) is parsed and planned once per connection, as a named statement, then only bound and
 * executed: the statistics queries spend more time being planned than being run otherwise. Any other
 * query goes as before (unnamed statement, planned each time).
 *
 * The names come from the text, so the same text is one statement on each connection; a connection
 * keeps at most MAX_PER_CONNECTION of them (beyond, marked queries run unprepared), which bounds the
 * memory of each server process whatever the variety of marked texts.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import type pg from "pg";

const MARK = "/* prepared */";
/** Put first in a query's text (Kysely: sql`${PREPARED}SELECT …`) to have it prepared. */
export const PREPARED = sql.raw(`${MARK} `);

export const MAX_PER_CONNECTION = 100;
const MAX_NAMES = 1000;
const names = new Map<string, string>();

/** The statement name of a text: a digest, remembered for the last MAX_NAMES texts first seen (the oldest forgotten first). */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `s_${createHash("sha1").update(text).digest("base64url").slice(0, 24)}`;
    if (names.size >= MAX_NAMES) names.delete(names.keys().next().value!);
    names.set(text, name);
  }
  return name;
}

/** Makes `client` run the marked queries as named statements (call once per new connection). */
export function prepareMarkedQueries(client: pg.ClientBase): void {
  const prepared = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // pg's `query` has many overloads; Kysely calls query(text, values), which is the one rewritten.
  (client as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (args.length === 2 && typeof text === "string" && text.startsWith(MARK) && Array.isArray(values) && values.length > 0) {
      const name = nameOf(text);
      if (prepared.has(name) || prepared.size < MAX_PER_CONNECTION) {
        prepared.add(name);
        return query({ name, text, values });
      }
    }
    return query(...args);
  };
}
