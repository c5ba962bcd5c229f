/**
 * One measured step of the import benchmark, in its own process so that its peak RSS is its own:
 *   import-run.ts import DATABASE_URL PUBLISHER_ID FEED_URL   → a real import (runImport)
 *   import-run.ts parse FILE                                  → the streaming reader alone
 * Prints one JSON line: { ms, peakRssMb, ... }.
 */
import fs from "node:fs";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/connection.ts";
import { runImport } from "../src/feeds/import.ts";
import { readFeedMissions } from "../src/feeds/xml-reader.ts";
import { preloadPlaces } from "../src/places/communes.ts";

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 10);

function peakRssMb(): number {
  const maxRssKb = process.resourceUsage().maxRSS;
  return Math.round((Math.max(peakRss, maxRssKb * 1024) / 1_048_576) * 10) / 10;
}

async function importStep(databaseUrl: string, publisherId: string, feedUrl: string) {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, FEED_ALLOW_PRIVATE_NETWORKS: "true", LOG_LEVEL: "silent" });
  const database = await openDatabase(config, { maxConnections: 2 });
  await preloadPlaces();
  const publisher = await database.db.selectFrom("publisher").selectAll().where("id", "=", publisherId).executeTakeFirstOrThrow();
  const started = performance.now();
  const report = await runImport({ db: database.db, feeds: config.feeds }, publisher, { trigger: "cli", source: { kind: "url", url: feedUrl } });
  const ms = performance.now() - started;
  await database.close();
  return { ms: Math.round(ms), peakRssMb: peakRssMb(), report: { ...report, problems: undefined } };
}

async function parseStep(file: string) {
  const started = performance.now();
  let missions = 0;
  for await (const batch of readFeedMissions(fs.createReadStream(file, { highWaterMark: 256 * 1024 }))) missions += batch.length;
  return { ms: Math.round(performance.now() - started), peakRssMb: peakRssMb(), missions };
}

const [step, ...args] = process.argv.slice(2);
const result = step === "import" ? await importStep(args[0]!, args[1]!, args[2]!) : step === "parse" ? await parseStep(args[0]!) : null;
clearInterval(sampler);
if (!result) {
  process.stderr.write("usage: import-run.ts import DATABASE_URL PUBLISHER_ID FEED_URL | parse FILE\n");
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
