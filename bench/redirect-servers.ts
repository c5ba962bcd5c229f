/**
 * The two comparison servers of the redirect benchmark (bench/redirect.ts), each run in its own
 * process so that it does not share an event loop with the load generator:
 *
 *   bare      GET /r/:missionId/:publisherId → 302 to a fixed Location, nothing recorded (the ceiling).
 *   baseline  the straightforward approach: for each request, look the mission up, INSERT the click
 *             into tracking_event and wait for it, then 302 (pg Pool of default size, 10).
 *
 * Usage: node --import tsx bench/redirect-servers.ts bare|baseline [DATABASE_URL]
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>"}` once listening; stops on SIGTERM.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import pg from "pg";

const FIXED_LOCATION = "https://asso.example.org/candidater?ref=api";
const FALLBACK = "https://www.jeveuxaider.gouv.fr/";

const [mode, databaseUrl] = process.argv.slice(2);
const app = Fastify({ logger: false });
let pool: pg.Pool | undefined;

type Params = { Params: { missionId: string; publisherId: string } };

if (mode === "bare") {
  app.get<Params>("/r/:missionId/:publisherId", async (_request, reply) => reply.header("cache-control", "no-store").redirect(FIXED_LOCATION, 302));
} else if (mode === "baseline") {
  if (!databaseUrl) throw new Error("baseline: DATABASE_URL argument missing");
  const db = new pg.Pool({ connectionString: databaseUrl }); // default size: 10
  db.on("error", () => undefined);
  pool = db;
  app.get<Params>("/r/:missionId/:publisherId", async (request, reply) => {
    const { missionId, publisherId } = request.params;
    const { rows } = await db.query<{ application_url: string | null; publisher_id: string }>(
      "SELECT application_url, publisher_id FROM mission WHERE id = $1",
      [missionId],
    );
    const mission = rows[0];
    if (!mission?.application_url) return reply.header("cache-control", "no-store").redirect(FALLBACK, 302);
    const now = new Date();
    await db.query(
      `INSERT INTO tracking_event (id, type, created_at, updated_at, source, from_publisher_id, to_publisher_id, mission_id)
       VALUES ($1, 'click', $2, $2, 'api', $3, $4, $5)`,
      [randomUUID(), now, publisherId, mission.publisher_id, missionId],
    );
    return reply.header("cache-control", "no-store").redirect(mission.application_url, 302);
  });
} else {
  throw new Error(`unknown mode « ${mode} » (bare or baseline)`);
}

await app.listen({ port: 0, host: "127.0.0.1" });
const { port } = app.server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);

process.once("SIGTERM", () => {
  void app
    .close()
    .then(() => pool?.end())
    .then(() => process.exit(0), () => process.exit(1));
});
