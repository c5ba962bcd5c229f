/**
 * jstag.js in a real browser (Debian's Chromium driven by playwright-core): a diffuseur's page
 * counts impressions and links to a mission; the click lands on the annonceur's site (another
 * origin), which loads /jstag.js with the partners' snippet; the tag remembers the click, confirms
 * a human and sends the conversions, all attributed in the database.
 *
 * Skipped with a warning when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI), where a
 * missing browser fails.
 */
import fs from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type Site, startSite } from "../support/site.ts";

const CHROMIUM = "/usr/bin/chromium";
const required = process.env.REQUIRE_BROWSER === "1";
const available = fs.existsSync(CHROMIUM);
if (!available && !required) {
  console.warn(`test navigateur de jstag.js ignoré : ${CHROMIUM} absent (apt-get install chromium ; REQUIRE_BROWSER=1 le rend obligatoire)`);
}

// A desktop browser's agent: Chromium's headless one ("HeadlessChrome") is a bot, never counted.
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
// Evaluated in the page (the project's types have no DOM).
const TAG_LOADED = "window._apieng !== undefined && window._apieng.loaded === true";

/** The partners' snippet, as the back office gives it. */
const snippet = (scriptUrl: string, publisherId: string, extra = "") => `<script>
(function (i, s, o, g, r, a, m) { i["ApiEngagementObject"] = r; (i[r] = i[r] || function () { (i[r].q = i[r].q || []).push(arguments); }), (i[r].l = 1 * new Date()); (a = s.createElement(o)), (m = s.getElementsByTagName(o)[0]); a.async = 1; a.src = g; m.parentNode.insertBefore(a, m);
})(window, document, "script", ${JSON.stringify(scriptUrl)}, "apieng");
apieng("config", ${JSON.stringify(publisherId)});
${extra}
</script>`;


const page = (title: string, head: string, body: string) =>
  `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body style="margin:0;font:16px sans-serif">${body}</body></html>`;

describe.skipIf(!available && !required)("jstag.js dans Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let tab: Page;
  let annonceurSite: Site;
  let diffuseurSite: Site;
  let annonceur: { id: string; apiKey: string };
  let diffuseur: { id: string };
  let missionId: string;
  const clientId = `atelier-${Date.now()}`;
  const sent: string[] = []; // every request the pages send to the service

  const db = () => server.database.db;
  /** Polls the database (after flushing the event queue) until `read` returns something. */
  async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await server.app.tracking.queue.flush();
      const value = await read();
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) return value;
      if (Date.now() > deadline) throw new Error(`attendu en base : ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  const impressions = async () => {
    await server.app.tracking.queue.flush();
    return db().selectFrom("tracking_event").selectAll().where("type", "=", "impression").where("mission_id", "=", missionId).execute();
  };
  const byRequest = (rows: { request_id: string | null }[], requestId: string) => rows.filter((row) => row.request_id === requestId).length;

  beforeAll(async () => {
    expect(available, `REQUIRE_BROWSER=1 mais ${CHROMIUM} est absent`).toBe(true);
    server = await startTestServer({}, { loadIndex: false });
    annonceur = await server.partner({ annonceur: true });
    diffuseur = await server.partner({ annonceur: false, diffuseur: true });
    await server.allow(diffuseur.id, annonceur.id);

    const scriptUrl = `${server.url}/jstag.js`;
    annonceurSite = await startSite((path) => {
      if (path === "/candidature")
        return page(
          "Candidater",
          snippet(scriptUrl, annonceur.id),
          `<h1>Atelier numérique</h1>
           <button id="postuler" onclick='apieng("trackApplication", ${JSON.stringify(clientId)}, { clientEventId: "candidature-1", customAttributes: { canal: "navigateur" } })'>Postuler</button>
           <button id="compte" onclick='apieng("trackAccount", ${JSON.stringify(clientId)}, { clientEventId: "compte-1" })'>Créer un compte</button>`,
        );
      // A later page of the site, without apiengagement_id: the command is queued before the tag loads.
      if (path === "/merci") return page("Merci", snippet(scriptUrl, annonceur.id, `apieng("trackAccount", ${JSON.stringify(clientId)}, { clientEventId: "compte-2" });`), "<p>Merci !</p>");
      return undefined;
    });
    missionId = await server.publish(annonceur, clientId, {
      title: "Animer un atelier numérique",
      applicationUrl: `http://annonceur.localhost:${annonceurSite.port}/candidature`,
    });

    const link = `${server.url}/r/${missionId}/${diffuseur.id}`;
    diffuseurSite = await startSite((path) => {
      if (path === "/missions")
        return page(
          "Missions",
          snippet(scriptUrl, diffuseur.id),
          `<h1>Missions près de chez vous</h1>
           <p><a id="lien" href="${link}">Animer un atelier numérique</a>
           <span data-name="tracker_counter" data-id="${missionId}" data-publisher="${diffuseur.id}" data-source="widget-haut" data-request="req-haut"></span>
           <span name="tracker_counter" data-id="${missionId}" data-request="req-ancien"></span></p>
           <span data-name="tracker_counter" data-id="${missionId}" data-publisher="${diffuseur.id}" data-request="req-cache" style="display:none"></span>
           <div style="height:4000px"></div>
           <p id="bas"><span data-name="tracker_counter" data-id="${missionId}" data-publisher="${diffuseur.id}" data-request="req-bas"></span>Plus bas</p>`,
        );
      // Without tracker elements, the tag counts the links to /r/<mission>/<diffuseur>.
      if (path === "/liens") return page("Liens", snippet(scriptUrl, diffuseur.id), `<a id="seul" href="${link}?tags=liste">Animer un atelier numérique</a>`);
      return undefined;
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--host-resolver-rules=MAP *.localhost 127.0.0.1"] });
    context = await browser.newContext({ userAgent: USER_AGENT, viewport: { width: 1200, height: 800 } });
    tab = await context.newPage();
    tab.on("request", (request) => {
      if (request.url().startsWith(server.url)) sent.push(request.url().slice(server.url.length));
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await annonceurSite?.close();
    await diffuseurSite?.close();
    await server?.close();
  });

  it("counts the impressions of visible trackers once, and of a tracker below the fold once scrolled to", async () => {
    await tab.goto(`http://diffuseur.localhost:${diffuseurSite.port}/missions`);
    const shown = await eventually("impressions des éléments visibles", async () => {
      const rows = await impressions();
      return byRequest(rows, "req-haut") && byRequest(rows, "req-ancien") ? rows : undefined;
    });
    expect(shown.find((row) => row.request_id === "req-haut")).toMatchObject({ source: "widget", source_id: "widget-haut", tags: ["pixel"], from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id });
    // The legacy `name` attribute, without data-publisher: the configured diffuseur.
    expect(shown.find((row) => row.request_id === "req-ancien")).toMatchObject({ source: "jstag", tags: ["pixel"], from_publisher_id: diffuseur.id });
    expect(await tab.getAttribute('[data-request="req-haut"]', "data-seen")).toBe("true");

    await tab.waitForTimeout(1600); // two more polls: nothing new for what was already counted
    let rows = await impressions();
    expect(byRequest(rows, "req-haut")).toBe(1);
    expect(byRequest(rows, "req-ancien")).toBe(1);
    expect(byRequest(rows, "req-bas")).toBe(0);
    expect(byRequest(rows, "req-cache")).toBe(0);

    await tab.locator("#bas").scrollIntoViewIfNeeded();
    await eventually("impression après défilement", async () => (byRequest(await impressions(), "req-bas") ? true : undefined));
    rows = await impressions();
    expect(byRequest(rows, "req-bas")).toBe(1);
    expect(byRequest(rows, "req-cache")).toBe(0);
    expect(sent.filter((url) => url.includes("tracker=link"))).toEqual([]);
  });

  it("counts a link to the service when the page has no tracker element", async () => {
    const linkPage = await context.newPage();
    const request = linkPage.waitForRequest((r) => r.url().includes("tracker=link"), { timeout: 5000 });
    await linkPage.goto(`http://diffuseur.localhost:${diffuseurSite.port}/liens`);
    const url = new URL((await request).url());
    expect(url.origin + url.pathname).toBe(`${server.url}/r/impression/${missionId}/${diffuseur.id}`);
    expect(url.search).toBe("?tracker=link");
    await eventually("impression du lien", async () => ((await impressions()).find((row) => row.tags.includes("link")) ? true : undefined));
    await linkPage.close();
  });

  it("follows the link to the annonceur: cookie and sessionStorage set, a human confirmed, the conversions attributed to the click", async () => {
    await tab.evaluate("window.scrollTo(0, 0)");
    await Promise.all([tab.waitForURL(/annonceur\.localhost.*apiengagement_id=/), tab.click("#lien")]);
    const landing = new URL(tab.url());
    const clickId = landing.searchParams.get("apiengagement_id")!;
    const token = landing.searchParams.get("apiengagement_tracking_token")!;
    expect(landing.searchParams.get("utm_medium")).toBe("api");
    await tab.waitForFunction(TAG_LOADED);

    const cookies = await context.cookies(landing.origin);
    expect(cookies.find((cookie) => cookie.name === "apiengagement")).toMatchObject({ value: clickId, path: "/", sameSite: "Lax", secure: false });
    expect(await tab.evaluate('[sessionStorage.getItem("apiengagement_tracking_id"), sessionStorage.getItem("apiengagement_tracking_token")]')).toEqual([clickId, token]);
    expect(await tab.evaluate("window._apieng.version")).toMatch(/^1\.\d+\.\d+$/);

    // Too early: an interaction in the first 2 seconds confirms nothing.
    await tab.mouse.move(10, 10);
    await tab.mouse.move(60, 40);
    await tab.waitForTimeout(300);
    // (Measured by the page's clock: on a very slow machine the moves may come after 2 s.)
    if (Number(await tab.evaluate("Date.now() - window._apieng.loadedAt")) < 2000) expect(sent.filter((url) => url.includes("confirm-human"))).toEqual([]);
    await tab.waitForFunction("Date.now() - window._apieng.loadedAt > 2100", undefined, { polling: 100 });
    const confirmation = tab.waitForResponse((r) => r.url().includes("/confirm-human"), { timeout: 5000 });
    await tab.mouse.move(200, 120);
    const confirmed = await confirmation;
    expect(confirmed.status()).toBe(200);
    expect(new URL(confirmed.url()).pathname).toBe(`/r/${clickId}/confirm-human`);
    expect(new URL(confirmed.url()).searchParams.get("token")).toBe(token);
    await eventually("clic humain", async () => (await db().selectFrom("tracking_event").select("is_human").where("id", "=", clickId).executeTakeFirst())?.is_human || undefined);
    await tab.keyboard.press("Tab");
    await tab.waitForTimeout(200);
    expect(sent.filter((url) => url.includes("confirm-human"))).toHaveLength(1);

    const applied = tab.waitForResponse((r) => r.url().includes("/r/apply"), { timeout: 5000 });
    await tab.click("#postuler");
    const applyResponse = await applied;
    expect(applyResponse.status()).toBe(200);
    const applyQuery = new URL(applyResponse.url()).searchParams;
    expect(Object.fromEntries(applyQuery)).toEqual({
      view: clickId,
      url: landing.toString(),
      publisher: annonceur.id,
      mission: clientId,
      clientEventId: "candidature-1",
      customAttributes: JSON.stringify({ canal: "navigateur" }),
    });
    const apply = await eventually("candidature", () => db().selectFrom("tracking_event").selectAll().where("type", "=", "apply").where("click_id", "=", clickId).executeTakeFirst());
    expect(apply).toMatchObject({
      from_publisher_id: diffuseur.id,
      to_publisher_id: annonceur.id,
      mission_id: missionId,
      mission_client_id: clientId,
      client_event_id: "candidature-1",
      custom_attributes: { canal: "navigateur" },
      user_agent: USER_AGENT,
    });

    const account = tab.waitForResponse((r) => r.url().includes("/r/account"), { timeout: 5000 });
    await tab.click("#compte");
    expect((await account).status()).toBe(200);
    expect(new URL((await account).url()).searchParams.has("customAttributes")).toBe(false);
    expect(
      await eventually("création de compte", () => db().selectFrom("tracking_event").selectAll().where("type", "=", "account").where("click_id", "=", clickId).executeTakeFirst()),
    ).toMatchObject({ from_publisher_id: diffuseur.id, to_publisher_id: annonceur.id, mission_id: missionId, client_event_id: "compte-1" });

    // Another page of the site, no apiengagement_id: the click comes from the cookie.
    const later = tab.waitForRequest((r) => r.url().includes("/r/account"), { timeout: 5000 });
    await tab.goto(`${landing.origin}/merci`);
    const laterQuery = new URL((await later).url()).searchParams;
    expect(laterQuery.get("view")).toBe(clickId);
    expect(laterQuery.get("clientEventId")).toBe("compte-2");
    expect(laterQuery.get("url")).toBe(`${landing.origin}/merci`);
    // The same click's account within 5 minutes is a duplicate: answered 204, not counted twice.
    await tab.waitForTimeout(300);
    const accounts = await db().selectFrom("tracking_event").select("id").where("type", "=", "account").where("click_id", "=", clickId).execute();
    expect(accounts).toHaveLength(1);
  });

  it("a page without a click id sends no conversion", async () => {
    const fresh = await browser.newContext({ userAgent: USER_AGENT });
    const other = await fresh.newPage();
    const conversions: string[] = [];
    other.on("request", (request) => {
      if (/\/r\/(apply|account|[^/]+\/confirm-human)/.test(request.url())) conversions.push(request.url());
    });
    await other.goto(`http://annonceur.localhost:${annonceurSite.port}/candidature`);
    await other.waitForFunction(TAG_LOADED);
    await other.click("#postuler");
    await other.waitForTimeout(300);
    expect(conversions).toEqual([]);
    expect(await fresh.cookies()).toEqual([]);
    await fresh.close();
  });
});
