/**
 * The embedded database served to several connections: exchanges never interleave, transactions are
 * isolated, and a client that disappears inside a transaction has it rolled back.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedEndpoint, openEmbedded } from "../../src/db/embedded.ts";

let endpoint: EmbeddedEndpoint;
let pool: pg.Pool;
const client = () => new pg.Client({ host: endpoint.host, port: endpoint.port, user: "postgres", database: "postgres" });

beforeAll(async () => {
  endpoint = await openEmbedded("memory://");
  pool = new pg.Pool({ host: endpoint.host, port: endpoint.port, user: "postgres", database: "postgres", max: 8 });
  await pool.query("CREATE TABLE item (id int PRIMARY KEY, owner text NOT NULL)");
});

afterAll(async () => {
  await pool.end();
  await endpoint.close?.();
});

describe("embedded server", () => {
  it("answers every parameterised query of 8 concurrent connections with its own result", async () => {
    const wrong: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 100; i++) {
          const { rows } = await pool.query<{ sum: number; who: string }>("SELECT $1::int + $2::int AS sum, $3::text AS who", [i, worker, `w${worker}`]);
          if (rows[0]?.sum !== i + worker || rows[0]?.who !== `w${worker}`) wrong.push(`${worker}/${i}: ${JSON.stringify(rows[0])}`);
        }
      }),
    );
    expect(wrong).toEqual([]);
  });

  it("keeps a transaction's statements together and invisible to others until commit", async () => {
    const a = await pool.connect();
    try {
      await a.query("BEGIN");
      await a.query("INSERT INTO item VALUES (1, 'a')");
      // Another connection's query waits for the transaction to end instead of running inside it.
      const seenByOther = pool.query<{ n: number }>("SELECT count(*)::int AS n FROM item WHERE id = 1");
      await a.query("INSERT INTO item VALUES (2, 'a')");
      await a.query("ROLLBACK");
      expect((await seenByOther).rows[0]?.n).toBe(0);
    } finally {
      a.release();
    }
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM item");
    expect(rows[0]?.n).toBe(0);
  });

  it("rolls back the open transaction of a client that disconnects", async () => {
    const c = client();
    c.on("error", () => undefined);
    await c.connect();
    await c.query("BEGIN");
    await c.query("INSERT INTO item VALUES (99, 'gone')");
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM item WHERE id = 99");
    expect(rows[0]?.n).toBe(0);
  });

  it("reports SQL errors to the client that caused them only", async () => {
    const results = await Promise.allSettled([pool.query("SELECT * FROM missing_table"), pool.query("SELECT 42 AS answer")]);
    expect(results[0]?.status).toBe("rejected");
    expect(results[1]).toMatchObject({ status: "fulfilled", value: { rows: [{ answer: 42 }] } });
  });
});

describe("embedded server, large results", () => {
  it("returns large result sets intact while other connections query", async () => {
    await pool.query("CREATE TABLE big (id int PRIMARY KEY, body text NOT NULL)");
    await pool.query("INSERT INTO big SELECT g, repeat(md5(g::text), 40) FROM generate_series(1, 3000) g");
    const [rows, ...others] = await Promise.all([
      pool.query<{ id: number; body: string }>("SELECT id, body FROM big ORDER BY id"),
      ...Array.from({ length: 20 }, (_, i) => pool.query<{ n: number }>("SELECT $1::int AS n", [i])),
    ]);
    expect(rows.rows).toHaveLength(3000);
    expect(rows.rows.every((r, i) => r.id === i + 1 && r.body.length === 1280)).toBe(true);
    expect(others.map((o) => o.rows[0]?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
