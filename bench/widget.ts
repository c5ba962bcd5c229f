/**
 * Benchmark of the widget pages (issue 7) on this machine's PostgreSQL.
 *
 * Creates a fresh database, loads the catalogue of the search benchmark (`search-catalogue.ts`:
 * 200,000 missions, 300 annonceurs, 50 diffuseurs with rules), adds widgets of the diffuseur allowed
 * on every annonceur, starts `engagement serve` and measures with autocannon (10 connections,
 * BENCH_WARMUP_SECONDS of warm-up then BENCH_SECONDS per page; every response timed) the pages a
 * visitor opens, each the first page of results with its facets:
 *
 *   grid            GET /w/<bénévolat grid>                      whole catalogue of the widget
 *   gridNearParis   GET /w/<bénévolat grid>?lat=…&lon=…&city=Paris  the visitor's place, 25 km
 *   gridFiltered    GET /w/<bénévolat grid>?domain=sante&department=Paris  two filters: facets counted
 *                                                                without each (disjunctive)
 *   fixedPlace      GET /w/<widget with a fixed place: Lyon 25 km, rules>
 *   carousel        GET /w/<carousel: 25 cards>
 *   volontariat     GET /w/<volontariat grid>
 *
 * and, as the baseline of the same run, GET /health (the same HTTP stack, no work). Latency is what
 * the client sees on loopback, an upper bound of the server time; the `Server-Timing`-free server
 * time is not separated.
 *
 * Weight: the grid page as a browser loads it (HTML, then the stylesheet and the script it links),
 * transferred with brotli and with gzip (the page's own requests: its impressions and the place
 * suggestions are not part of the first load).
 *
 * Targets: p95 ≤ 50 ms for every page at 10 concurrent clients; HTML + CSS + JS ≤ 150 KB compressed.
 * Writes bench/results/widget.json (widget.partial.json for another catalogue size). The database
 * is dropped at the end.
 *
 * Usage: npm run bench:widget
 *   DATABASE_URL          server to create the database on (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS         measured seconds per page (default 10)
 *   BENCH_WARMUP_SECONDS  warm-up seconds per page (default 2)
 *   BENCH_MISSIONS        catalogue size (default 200000)
 *   BENCH_KEEP_DB         "true": keep the database (its name is printed)
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import autocannon from "autocannon";
import pg from "pg";
import { codeVersion, createBenchDatabase, killChildren, percentile, root, startService, stopProcess } from "./bench-processes.ts";
import { loadSearchCatalogue, SEARCH_CATALOGUE_SEED } from "./search-catalogue.ts";

const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MISSIONS = Number(process.env.BENCH_MISSIONS ?? 200_000);
const CONNECTIONS = 10;
const KEEP_DB = process.env.BENCH_KEEP_DB === "true";
const TARGETS = { p95Ms: 50, weightKb: 150 };
const PARIS = { lat: 48.8566, lon: 2.3522 };

interface Measure {
  requests: number;
  non2xx: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  reqPerS: number;
}

const round1 = (x: number) => Number(x.toFixed(1));

/**
 * autocannon on one path (or on the paths `next` gives, one per request): warm-up, then every
 * response's latency.
 */
async function measure(url: string, pathAndQuery: string, next?: () => string): Promise<Measure> {
  const headers = { "accept-encoding": "br, gzip", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36" };
  const requests = next ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: next() }) as autocannon.Request }] : undefined;
  await autocannon({ url: `${url}${pathAndQuery}`, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers, requests });
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: `${url}${pathAndQuery}`, connections: CONNECTIONS, duration: SECONDS, headers, requests }, (err, done) => (err ? reject(err) : resolve(done)));
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: round1(percentile(latencies, 50)),
    p95: round1(percentile(latencies, 95)),
    p99: round1(percentile(latencies, 99)),
    max: round1(latencies.at(-1) ?? Number.NaN),
    reqPerS: round1(latencies.length / SECONDS),
  };
}

/** The page and what it links (stylesheet, script), as transferred with each encoding. */
async function weight(url: string, pagePath: string) {
  const sizes: Record<string, { html: number; css: number; js: number; total: number }> = {};
  for (const encoding of ["br", "gzip", "identity"] as const) {
    // node:http does not decode: the bytes counted are the bytes on the wire.
    const get = (p: string) =>
      new Promise<{ text: string; wire: number }>((resolve, reject) => {
        http.get(`${url}${p}`, { headers: { "accept-encoding": encoding } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            const served = res.headers["content-encoding"];
            const text = (served === "br" ? zlib.brotliDecompressSync(body) : served === "gzip" ? zlib.gunzipSync(body) : body).toString("utf8");
            resolve({ text, wire: body.length });
          });
          res.on("error", reject);
        }).on("error", reject);
      });
    const page = await get(pagePath);
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)?.[1];
    const js = /<script src="([^"]+)" defer>/.exec(page.text)?.[1];
    if (!css || !js) throw new Error("the page links no stylesheet or script");
    const [c, j] = [await get(css), await get(js)];
    sizes[encoding] = { html: page.wire, css: c.wire, js: j.wire, total: page.wire + c.wire + j.wire };
  }
  const kb = (n: number) => Number((n / 1024).toFixed(1));
  return Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, { htmlKb: kb(v.html), cssKb: kb(v.css), jsKb: kb(v.js), totalKb: kb(v.total) }]));
}

async function main() {
  const { admin, dbName, databaseUrl } = await createBenchDatabase(baseUrl, "engagement_bench_widget");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on("error", () => undefined);
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  const stop = async () => {
    killChildren();
    await pool.end().catch(() => undefined);
    if (KEEP_DB) console.error(`database kept: ${dbName}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  process.on("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    const code = codeVersion();
    console.error(`bench:widget — ${MISSIONS.toLocaleString("en")} missions, database ${dbName}`);
    const catalogue = await loadSearchCatalogue(pool, { missions: MISSIONS });
    console.error(`catalogue loaded in ${catalogue.seconds} s: ${JSON.stringify(catalogue.counts)}`);
    const diffuseur = catalogue.bigDiffuseurId;
    await pool.query("UPDATE publisher SET has_widget_rights = true WHERE id = $1", [diffuseur]);
    const widgets = {
      grid: { name: "Grille", type: "benevolat", style: "page", location: null, rules: [] },
      fixed: { name: "Lyon", type: "benevolat", style: "page", location: { lat: 45.764, lon: 4.8357, label: "Lyon" }, rules: [{ field: "domain", operator: "is_not", value: "sport" }] },
      carousel: { name: "Carrousel", type: "benevolat", style: "carousel", location: null, rules: [] },
      volontariat: { name: "Service civique", type: "volontariat", style: "page", location: null, rules: [] },
    } as const;
    const ids: Record<keyof typeof widgets, string> = { grid: "", fixed: "", carousel: "", volontariat: "" };
    for (const [key, w] of Object.entries(widgets) as Array<[keyof typeof widgets, (typeof widgets)[keyof typeof widgets]]>) {
      const id = `bench-widget-${key}`;
      await pool.query("INSERT INTO widget (id, diffuseur_id, name, type, style, location, rules) VALUES ($1, $2, $3, $4, $5, $6, $7)", [id, diffuseur, w.name, w.type, w.style, w.location ? JSON.stringify(w.location) : null, JSON.stringify(w.rules)]);
      ids[key] = id;
    }
    const env = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn", RATE_LIMIT_DISABLED: "true" };
    service = await startService(env, { readyTimeoutS: 300 });
    console.error(`service ready in ${service.readyS} s`);
    // The first page waits for the search index to load.
    const first = performance.now();
    const probe = await fetch(`${service.url}/w/${ids.grid}`);
    if (probe.status !== 200) throw new Error(`GET /w/${ids.grid}: ${probe.status} ${await probe.text()}`);
    const firstPageS = round1((performance.now() - first) / 1000);
    const count = /<p id="w-count"[^>]*>([^<]+)/.exec(await probe.text())?.[1];
    console.error(`first page after ${firstPageS} s (index load): ${count}`);

    // Every request different (no two alike in a run, so no answer is reused): the grid's pages in
    // turn; a domain and a page; a place near one of ten cities (each a few metres from the last);
    // a department, a domain and a page.
    const CITIES = [[48.8566, 2.3522], [45.764, 4.8357], [43.2965, 5.3698], [43.6047, 1.4442], [43.7102, 7.262], [47.2184, -1.5536], [48.5734, 7.7521], [43.6108, 3.8767], [44.8378, -0.5792], [50.6292, 3.0573]] as const;
    const DOMAINS = ["sante", "sport", "education", "culture-loisirs", "environnement", "solidarite-insertion"];
    const DEPARTMENTS = ["Paris", "Rhône", "Bouches-du-Rhône", "Haute-Garonne", "Gironde", "Nord", "Loire-Atlantique", "Bas-Rhin"];
    let n = 0;
    const varied = () => {
      n += 1;
      const page = 1 + Math.floor(n / 4);
      switch (n % 4) {
        case 0:
          return `/w/${ids.grid}?page=${page}`;
        case 1:
          return `/w/${ids.grid}?domain=${DOMAINS[page % DOMAINS.length]}&page=${1 + Math.floor(page / DOMAINS.length)}`;
        case 2: {
          const [lat, lon] = CITIES[page % CITIES.length]!;
          return `/w/${ids.grid}?lat=${(lat + page * 1e-5).toFixed(5)}&lon=${lon}&city=Ville`;
        }
        default:
          return `/w/${ids.grid}?department=${encodeURIComponent(DEPARTMENTS[page % DEPARTMENTS.length]!)}&domain=${DOMAINS[Math.floor(page / DEPARTMENTS.length) % DOMAINS.length]}&page=${1 + Math.floor(page / 48)}`;
      }
    };
    const pages: Array<{ name: string; path: string; description: string; next?: () => string }> = [
      { name: "grid", path: `/w/${ids.grid}`, description: "bénévolat grid, first page and facets" },
      { name: "gridNearParis", path: `/w/${ids.grid}?lat=${PARIS.lat}&lon=${PARIS.lon}&city=Paris`, description: "the visitor's place (Paris, 25 km)" },
      { name: "gridFiltered", path: `/w/${ids.grid}?domain=sante&department=Paris`, description: "two filters, facets without each" },
      { name: "fixedPlace", path: `/w/${ids.fixed}`, description: "fixed place (Lyon, 25 km) and a rule" },
      { name: "carousel", path: `/w/${ids.carousel}`, description: "carousel, 25 cards" },
      { name: "volontariat", path: `/w/${ids.volontariat}`, description: "volontariat grid" },
      { name: "varied", path: `/w/${ids.grid}`, description: "every request a different page: pages, domains, places, a department (no answer reused)", next: varied },
    ];
    const baseline = await measure(service.url, "/health");
    console.error(`baseline GET /health: ${JSON.stringify(baseline)}`);
    const results: Record<string, Measure & { path: string; description: string; matches: string | undefined; p95Met: boolean; p50VsHealth: number }> = {};
    for (const page of pages) {
      const html = await (await fetch(`${service.url}${page.path}`)).text();
      const m = await measure(service.url, page.path, page.next);
      const ok = m.non2xx === 0 && m.errors === 0 && m.requests > 0;
      results[page.name] = { path: page.path, description: page.description, matches: /<p id="w-count"[^>]*>([^<]+)/.exec(html)?.[1], ...m, p95Met: ok && m.p95 <= TARGETS.p95Ms, p50VsHealth: round1(m.p50 / Math.max(baseline.p50, 0.1)) };
      console.error(`${page.name}: ${results[page.name]!.matches} — p50 ${m.p50} ms, p95 ${m.p95} ms, p99 ${m.p99} ms, ${m.reqPerS} req/s`);
    }
    const sizes = await weight(service.url, `/w/${ids.grid}`);
    console.error(`weight of the grid page: ${JSON.stringify(sizes)}`);
    await stopProcess(service.child);
    service = undefined;

    const weightMet = (sizes.br?.totalKb ?? Infinity) <= TARGETS.weightKb && (sizes.gzip?.totalKb ?? Infinity) <= TARGETS.weightKb;
    const report = {
      benchmark: "widget",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, note: "autocannon, the service and PostgreSQL share these cores" },
      code,
      catalogue: { ...catalogue.counts, seed: SEARCH_CATALOGUE_SEED, loadSeconds: catalogue.seconds },
      settings: { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
      firstPageAfterStartS: firstPageS,
      baseline: { path: "/health", ...baseline },
      pages: results,
      weight: sizes,
      targets: TARGETS,
      met: { p95: Object.values(results).every((r) => r.p95Met), weight: weightMet },
    };
    fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
    const file = MISSIONS === 200_000 ? "widget.json" : "widget.partial.json";
    fs.writeFileSync(path.join(root, "bench/results", file), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify({ pages: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { p50: r.p50, p95: r.p95, reqPerS: r.reqPerS, p95Met: r.p95Met }])), weight: sizes, met: report.met }, null, 2));
    console.error(`written to bench/results/${file}`);
    if (!report.met.p95 || !report.met.weight) process.exitCode = 1;
  } finally {
    if (service) await stopProcess(service.child).catch(() => undefined);
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  killChildren();
  process.exit(1);
});
