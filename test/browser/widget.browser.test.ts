/**
 * The widget in a real browser (Debian's Chromium driven by playwright-core): a partner's page on
 * another loopback origin pastes the embed code; the iframe takes its content's height; filters,
 * paging and the carousel work by mouse and by keyboard without reloading the page; each card shown
 * counts one impression for the widget's diffuseur; a click goes through the tracked redirect to the
 * annonceur's site and is recorded for that diffuseur; axe-core finds no serious or critical
 * violation on the list, the open filters and a mission's page.
 *
 * Skipped with a warning when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type Site, startSite } from "../support/site.ts";

const CHROMIUM = "/usr/bin/chromium";
const required = process.env.REQUIRE_BROWSER === "1";
const available = fs.existsSync(CHROMIUM);
if (!available && !required) console.warn(`test navigateur du widget ignoré : ${CHROMIUM} absent (apt-get install chromium ; REQUIRE_BROWSER=1 le rend obligatoire)`);

// A desktop browser's agent: Chromium's headless one is a bot, never counted.
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Waits until `expression` is true in the frame. Polled from here: the page's policy forbids the
 * string evaluation of Playwright's own waitForFunction.
 */
async function waitIn(frame: Frame, expression: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await frame.evaluate<boolean>(expression).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`attendu dans la page : ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


const hostPage = (embed: string) => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body style="margin:0;font:16px sans-serif"><h1>Devenez bénévole</h1>${embed}<p id="after">Fin de la page</p></body></html>`;

describe.skipIf(!available && !required)("le widget dans Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let host: Site;
  let annonceurSite: Site;
  let diffuseur: { id: string; apiKey: string };
  let gridId: string;
  let carouselId: string;

  const db = () => server.database.db;
  const events = async (type: "impression" | "click", sourceId: string) => {
    await server.app.tracking.queue.flush();
    return db().selectFrom("tracking_event").selectAll().where("type", "=", type).where("source_id", "=", sourceId).execute();
  };
  async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`attendu : ${what} (obtenu ${JSON.stringify(value).slice(0, 300)})`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /** Opens the host page embedding `widgetId`; returns the tab and the widget's frame. */
  async function embedded(widgetId: string, viewport = { width: 1200, height: 2400 }): Promise<{ tab: Page; frame: Frame }> {
    const tab = await context.newPage();
    await tab.setViewportSize(viewport);
    await tab.goto(`${host.url}/embed/${widgetId}`);
    const handle = await tab.waitForSelector("iframe");
    const frame = (await handle.contentFrame()) as Frame;
    await frame.waitForSelector("#w-count");
    return { tab, frame };
  }

  beforeAll(async () => {
    expect(available, `REQUIRE_BROWSER=1 mais ${CHROMIUM} est absent`).toBe(true);
    server = await startTestServer({}, { publicUrlIsServer: true });
    annonceurSite = await startSite((path) => (path === "/candidater" ? "<!doctype html><title>Candidature</title><h1>Merci de votre intérêt</h1>" : undefined));
    const annonceur = await server.partner({ annonceur: true });
    diffuseur = await server.partner({ annonceur: false, widget: true });
    await server.allow(diffuseur.id, annonceur.id);
    const cities = [
      { postalCode: "69003", city: "Lyon", country: "FR" },
      { postalCode: "75011", city: "Paris", country: "FR" },
      { postalCode: "33000", city: "Bordeaux", country: "FR" },
    ];
    const domains = ["sport", "culture-loisirs", "solidarite-insertion"];
    for (let i = 0; i < 14; i++) {
      await server.publish(annonceur, `widget-browser-${i}`, {
        title: `Mission ${String(i + 1).padStart(2, "0")} : ${["Entraîner des jeunes", "Guider au musée", "Servir des repas"][i % 3]}`,
        domain: domains[i % 3],
        addresses: [cities[i % 3]],
        organizationName: ["Club sportif", "Musée municipal", "Restos du quartier"][i % 3],
        organizationClientId: `org-${i % 3}`,
        applicationUrl: `${annonceurSite.url}/candidater`,
        places: 1 + (i % 4),
        startAt: new Date(Date.UTC(2027, 0, 1 + i)).toISOString(),
      });
    }
    const create = async (json: unknown) => (await server.request("/v2/widgets", { method: "POST", apiKey: diffuseur.apiKey, json })).body.data.id as string;
    gridId = await create({ name: "Grille de la mairie", color: "#c9191e" });
    carouselId = await create({ name: "Carrousel de la mairie", style: "carousel" });
    const embeds = new Map<string, string>();
    for (const id of [gridId, carouselId]) embeds.set(id, (await server.request(`/v2/widgets/${id}/embed`, { apiKey: diffuseur.apiKey })).body.data.html);
    host = await startSite((path) => {
      const id = path.startsWith("/embed/") ? path.slice("/embed/".length) : "";
      return embeds.has(id) ? hostPage(embeds.get(id) as string) : undefined;
    });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    context = await browser.newContext({ userAgent: USER_AGENT });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await annonceurSite?.close();
    await server?.close();
  });

  it("takes its content's height in the host page, and counts each card shown once", async () => {
    const { tab, frame } = await embedded(gridId);
    const heights = await eventually(
      "la hauteur de l'iframe suit son contenu",
      async () => ({ iframe: (await tab.evaluate<number>('document.querySelector("iframe").getBoundingClientRect().height')) as number, content: (await frame.evaluate<number>("Math.ceil(document.body.getBoundingClientRect().height)")) as number }),
      (h) => Math.abs(h.iframe - h.content) <= 2,
    );
    expect(heights.iframe).not.toBe(1314); // the snippet's initial height
    expect(await frame.textContent("#w-count")).toBe("14 missions, page 1 sur 3");
    const requestId = await frame.evaluate<string>('new URL(document.querySelector(".w-card[data-impression]").dataset.impression, location.href).searchParams.get("requestId")');
    const prints = await eventually("6 impressions", async () => (await events("impression", gridId)).filter((e) => e.request_id === requestId), (rows) => rows.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = (await events("impression", gridId)).filter((e) => e.request_id === requestId);
    expect(again).toHaveLength(6);
    expect(new Set(again.map((e) => e.mission_id)).size).toBe(6);
    expect(prints.every((e) => e.from_publisher_id === diffuseur.id && e.source === "widget")).toBe(true);
    await tab.close();
  });

  it("filters and pages by mouse and by keyboard without reloading, the state in the URL and the focus kept", async () => {
    const { tab, frame } = await embedded(gridId);
    await frame.evaluate("window.stays = true");
    await frame.click("details.w-facet summary >> text=Domaines");
    await frame.click('label:has-text("Sport")');
    await waitIn(frame, 'document.getElementById("w-count").textContent === "5 missions"');
    expect(await frame.evaluate("location.search")).toBe("?domain=sport");
    expect(await frame.evaluate("window.stays")).toBe(true);
    expect(await frame.evaluate('document.activeElement.getAttribute("value")')).toBe("sport");
    // Back to everything; page 2 by mouse, then page 3 by keyboard from where the focus stayed.
    await frame.click("a.w-reset");
    await waitIn(frame, 'document.getElementById("w-count").textContent === "14 missions, page 1 sur 3"');
    await frame.click("a.w-page-next");
    await waitIn(frame, 'location.search === "?page=2"');
    expect(await frame.evaluate('document.activeElement.getAttribute("data-page")')).toBe("next");
    expect(await frame.evaluate(`document.querySelector('.w-pages a[aria-current="page"]').textContent`)).toBe("2");
    expect(await frame.evaluate("window.stays")).toBe(true);
    await tab.keyboard.press("Enter");
    await waitIn(frame, 'location.search === "?page=3"');
    expect(await frame.$$eval(".w-card", (cards) => cards.length)).toBe(2);
    // A filter by keyboard: open the departments, tick the first one with the space bar.
    await frame.focus('details.w-facet summary:has-text("Départements")');
    await tab.keyboard.press("Enter");
    await tab.keyboard.press("Tab");
    const ticked = await frame.evaluate<string>("document.activeElement.value");
    await tab.keyboard.press("Space");
    await waitIn(frame, `location.search === "?department=${encodeURIComponent(ticked)}"`);
    expect(await frame.evaluate("document.activeElement.checked && document.activeElement.value")).toBe(ticked);
    expect(await frame.textContent("#w-count")).toMatch(/^[45] missions$/);
    // Without a script, the same links and form work: the state is in the URL.
    const plain = await browser.newContext({ userAgent: USER_AGENT, javaScriptEnabled: false });
    const noJs = await plain.newPage();
    await noJs.goto(`${server.url}/w/${gridId}`);
    await noJs.click("details.w-facet summary >> text=Domaines");
    await noJs.check('input[name="domain"][value="culture-loisirs"]');
    await noJs.click("button.w-btn[type=submit]");
    await noJs.waitForURL(/domain=culture-loisirs/);
    expect(await noJs.textContent("#w-count")).toBe("5 missions");
    await plain.close();
    await tab.close();
  });

  it("suggests places as the visitor types, chosen by keyboard, and searches around the place chosen", async () => {
    const { tab, frame } = await embedded(gridId);
    await frame.click("#w-place-input");
    await tab.keyboard.type("lyo");
    await waitIn(frame, '!document.getElementById("w-place-list").hidden && document.querySelectorAll("#w-place-list li").length > 0');
    expect(await frame.getAttribute("#w-place-input", "aria-expanded")).toBe("true");
    expect(await frame.textContent("#w-place-list li:first-child")).toMatch(/^Lyon \(69\d{3}\)$/);
    await tab.keyboard.press("ArrowDown");
    expect(await frame.getAttribute("#w-place-input", "aria-activedescendant")).toBe("w-place-0");
    await tab.keyboard.press("Enter");
    await waitIn(frame, '/^5 missions autour de Lyon/.test(document.getElementById("w-count").textContent)');
    expect(await frame.evaluate("new URLSearchParams(location.search).get('city')")).toMatch(/^Lyon \(69\d{3}\)$/);
    expect(await frame.evaluate("document.activeElement.id")).toBe("w-place-input");
    expect(await frame.inputValue("#w-place-input")).toMatch(/^Lyon/);
    await tab.close();
  });

  it("scrolls the carousel with its buttons and the arrow keys", async () => {
    const { tab, frame } = await embedded(carouselId, { width: 1200, height: 1200 });
    expect(await frame.$$eval("#w-track > li", (cards) => cards.length)).toBe(14);
    expect(await frame.getAttribute("#w-track > li:first-child", "aria-roledescription")).toBe("diapositive");
    await frame.click("button.w-next");
    await waitIn(frame, 'document.getElementById("w-track").scrollLeft > 0');
    expect(await frame.textContent(".w-carousel-status")).toBe("Missions 4 à 6 sur 14");
    await waitIn(frame, '!document.querySelector("button.w-prev").disabled');
    await frame.focus("#w-track > li:nth-child(4) .w-card-title a");
    await tab.keyboard.press("ArrowRight");
    expect(await frame.evaluate('document.activeElement.closest("li") === document.querySelector("#w-track > li:nth-child(5)")')).toBe(true);
    await tab.keyboard.press("ArrowLeft");
    await tab.keyboard.press("ArrowLeft");
    expect(await frame.evaluate('document.activeElement.closest("li") === document.querySelector("#w-track > li:nth-child(3)")')).toBe(true);
    await tab.close();
  });

  it("sends a click through the tracked redirect to the annonceur's site, credited to the widget's diffuseur", async () => {
    const { tab, frame } = await embedded(gridId);
    const before = (await events("click", gridId)).length;
    const [popup] = await Promise.all([tab.waitForEvent("popup"), frame.click(".w-card:first-child .w-card-apply a")]);
    await popup.waitForLoadState();
    const landed = new URL(popup.url());
    expect(landed.origin + landed.pathname).toBe(`${annonceurSite.url}/candidater`);
    expect(landed.searchParams.get("utm_medium")).toBe("widget");
    expect(landed.searchParams.get("utm_campaign")).toBe("grille-de-la-mairie");
    const clickId = landed.searchParams.get("apiengagement_id");
    const clicks = await eventually("le clic enregistré", () => events("click", gridId), (rows) => rows.length > before);
    const click = clicks.find((c) => c.id === clickId);
    expect(click).toMatchObject({ source: "widget", source_id: gridId, from_publisher_id: diffuseur.id });
    await popup.close();
    await tab.close();
  });

  it("has no serious or critical accessibility violation (axe-core) on the list, the filters and a mission", async () => {
    // axe is injected into the page: this context alone lets it past the page's script policy.
    const audit = await browser.newContext({ userAgent: USER_AGENT, bypassCSP: true });
    const tab = await audit.newPage();
    const check = async (what: string) => {
      await tab.addScriptTag({ content: AXE });
      const result = await tab.evaluate<Array<{ id: string; impact: string; targets: string[] }>>(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
        .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) })))`);
      expect(result.filter((v) => v.impact === "serious" || v.impact === "critical"), what).toEqual([]);
    };
    for (const id of [gridId, carouselId]) {
      await tab.goto(`${server.url}/w/${id}`);
      await check(`liste ${id}`);
    }
    await tab.goto(`${server.url}/w/${gridId}?domain=sport`);
    await tab.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');
    await check("filtres ouverts");
    await tab.click(".w-card:first-child .w-card-title a");
    await tab.waitForSelector(".w-description");
    await check("mission");
    await audit.close();
  });
});
