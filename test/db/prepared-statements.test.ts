/**
 * Queries marked PREPARED: on PostgreSQL, a named statement per text and connection, reused, at most
 * MAX_PER_CONNECTION of them (more run unprepared, with the same answers); on the embedded database
 * (one session for every connection), unprepared and correct whatever the concurrency.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/connection.ts";
import { MAX_PER_CONNECTION, PREPARED } from "../../src/db/prepared-statements.ts";

let database: DatabaseHandle;

beforeAll(async () => {
  const { databaseUrl, dataDir } = inject("database");
  database = await openDatabase({ databaseUrl, dataDir }, { maxConnections: 1 });
});

afterAll(async () => {
  await database.close();
});

const marked = (n: number, variant = 0) => sql<{ v: number }>`${PREPARED}SELECT ${n}::int + ${variant} AS v`.execute(database.db);
const statementsOf = async (text: string) =>
  (await sql<{ name: string; generic_plans: number; custom_plans: number }>`SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ${`%${text}%`}`.execute(database.db)).rows;

describe("prepared statements", () => {
  it("answers marked queries like any other", async () => {
    for (let i = 0; i < 10; i++) expect((await marked(i, 1)).rows).toEqual([{ v: i + 1 }]);
    const plain = await sql<{ v: number }>`SELECT ${41}::int + 1 AS v`.execute(database.db);
    expect(plain.rows).toEqual([{ v: 42 }]);
  });

  it.runIf(inject("database").databaseUrl)("prepares a marked text once per connection and reuses it; unmarked texts are not prepared", async () => {
    for (let i = 0; i < 8; i++) await sql`${PREPARED}SELECT ${i}::int AS reused_statement`.execute(database.db);
    await sql`SELECT ${1}::int AS unmarked_statement`.execute(database.db);
    const [statement, ...others] = await statementsOf("reused_statement");
    expect(others).toEqual([]);
    expect(statement!.name).toMatch(/^s_/);
    // Executed 8 times: planned for the first ones, then its generic plan is reused.
    expect(statement!.generic_plans + statement!.custom_plans).toBe(8);
    expect(await statementsOf("unmarked_statement")).toEqual([]);
  });

  it.runIf(inject("database").databaseUrl)(`keeps at most ${MAX_PER_CONNECTION} statements per connection, and still answers beyond`, async () => {
    for (let i = 0; i < MAX_PER_CONNECTION + 20; i++) {
      const { rows } = await sql<{ v: number }>`${PREPARED}SELECT ${i}::int + ${sql.lit(i)} AS many_${sql.raw(String(i))}`.execute(database.db);
      expect(Object.values(rows[0]!)).toEqual([2 * i]);
    }
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(database.db);
    expect(rows[0]!.n).toBe(MAX_PER_CONNECTION);
  });

  it.runIf(!inject("database").databaseUrl)("leaves the embedded database's shared session without named statements, with right answers under concurrency", async () => {
    const pool = await openDatabase({ databaseUrl: undefined, dataDir: inject("database").dataDir }, { maxConnections: 4 });
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => sql<{ v: number }>`${PREPARED}SELECT ${i}::int * 2 AS v`.execute(pool.db)));
      expect(answers.map((a) => a.rows[0]!.v)).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
      expect(await statementsOf("* 2 AS v")).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});
