import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let annonceur: { id: string; apiKey: string };
let diffuseur: { id: string; apiKey: string };
let widgetId: string;
let volontariatId: string;

const LYON = { postalCode: "69003", city: "Lyon", country: "FR" };
const PARIS = { postalCode: "75011", city: "Paris", country: "FR" };
const MARSEILLE = { postalCode: "13001", city: "Marseille", country: "FR" };

beforeAll(async () => {
  server = await startTestServer();
  annonceur = await server.partner({ annonceur: true });
  diffuseur = await server.partner({ annonceur: false, widget: true });
  await server.allow(diffuseur.id, annonceur.id);
  const org = (name: string) => ({ organizationName: name, organizationClientId: name.toLowerCase().replace(/\W+/g, "-") });
  // 8 missions: 4 sport in Lyon (one remote), 2 culture in Paris, 1 santé in Marseille, 1 hostile.
  for (let i = 0; i < 3; i++) await server.publish(annonceur, `sport-lyon-${i}`, { title: `Entraîneur de football n°${i}`, domain: "sport", addresses: [LYON], places: 2 + i, ...org("Club de Lyon") });
  await server.publish(annonceur, "sport-remote", { title: "Animer un club en ligne", domain: "sport", remote: "full", addresses: [], ...org("Club de Lyon") });
  await server.publish(annonceur, "culture-1", { title: "Guide au musée", domain: "culture-loisirs", addresses: [PARIS], ...org("Musée de Paris") });
  await server.publish(annonceur, "culture-2", { title: "Accueil au théâtre", domain: "culture-loisirs", addresses: [PARIS], ...org("Musée de Paris") });
  await server.publish(annonceur, "sante-1", { title: "Collecte de sang", domain: "sante", addresses: [MARSEILLE], ...org("Don du sang") });
  await server.publish(annonceur, "xss", {
    title: 'Mission <script>alert("titre")</script> piégée',
    description: '<p onclick="alert(1)">Bonjour</p><script>alert("desc")</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">lien</a>',
    domain: "sante",
    addresses: [MARSEILLE],
    ...org('Asso "<b>"'),
  });
  await server.publish(annonceur, "volontariat-1", { title: "Service civique en école", type: "volontariat_service_civique", domain: "education", addresses: [LYON], startAt: "2030-01-15", endAt: "2030-09-15", openToMinors: true, schedule: "24 h par semaine", organizationName: "Ligue de l'enseignement", organizationClientId: "ligue", organizationActions: ["Éduquer", "Accompagner"], organizationBeneficiaries: ["Jeunes"] });
  await server.publish(annonceur, "volontariat-2", { title: "Volontariat à Genève", type: "volontariat_service_civique", domain: "education", addresses: [{ postalCode: "1201", city: "Genève", country: "CH" }], startAt: "2030-03-01", endAt: "2031-01-01", openToMinors: false, reducedMobilityAccessible: true, schedule: "Le week-end", organizationName: "ONG du lac", organizationClientId: "ong-lac", organizationActions: ["Accompagner"], organizationBeneficiaries: ["Seniors"] });
  widgetId = (await server.request("/v2/widgets", { method: "POST", apiKey: diffuseur.apiKey, json: { name: "Widget pages", color: "#ffcc00" } })).body.data.id;
  volontariatId = (await server.request("/v2/widgets", { method: "POST", apiKey: diffuseur.apiKey, json: { name: "Widget SC", type: "volontariat" } })).body.data.id;
});
afterAll(async () => server?.close());

const page = async (query = "", id = widgetId) => {
  const res = await fetch(`${server.url}/w/${id}${query}`);
  return { status: res.status, headers: res.headers, html: await res.text() };
};
const titles = (html: string) => [...html.matchAll(/<h2 class="w-card-title" id="t-[^"]+"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
const count = (html: string) => /<p id="w-count"[^>]*>([^<]+)/.exec(html)?.[1];

describe("GET /w/:widgetId", () => {
  it("renders the first page of results in the HTML, with the filters, the count and paging", async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.html).toMatch(/^<!doctype html><html lang="fr">/);
    expect(res.html).toContain("<h1 class=\"w-title\">Trouver une mission de bénévolat</h1>");
    expect(count(res.html)).toBe("8 missions");
    expect(titles(res.html)).toHaveLength(6);
    expect(res.html).toContain('aria-label="Pagination"');
    expect(res.html).toContain(`href="/w/${widgetId}?page=2"`);
    // Facets over the whole result, with counts.
    expect(res.html).toMatch(/value="sport"[^>]*><label[^>]*>Sport <span class="w-n">\(4\)<\/span>/);
    expect(res.html).toMatch(/value="Paris"[^>]*><label[^>]*>Paris <span class="w-n">\(2\)<\/span>/);
    expect(res.html).toMatch(/value="Musée de Paris"[^>]*><label[^>]*>Musée de Paris <span class="w-n">\(2\)<\/span>/);
    expect(res.html).toContain("À distance (1)");
    const second = await page("?page=2");
    expect(titles(second.html)).toHaveLength(2);
    expect(second.html).toContain('aria-current="page" aria-label="Page 2 (page actuelle)"');
    // The volontariat widget shows volontariat missions only.
    const sc = await page("", volontariatId);
    expect(titles(sc.html)).toEqual(["Volontariat à Genève", "Service civique en école"]);
    expect(sc.html).toContain("Trouver une mission de volontariat");
    expect(sc.html).toContain("À partir du 15 janvier 2030 · 8 mois");
  });

  it("filters by each parameter, the facets ignoring their own filter", async () => {
    const sport = await page("?domain=sport");
    expect(count(sport.html)).toBe("4 missions");
    // Domains stay listed with their counts over the other filters (disjunctive), sport ticked.
    expect(sport.html).toMatch(/value="sport" checked><label[^>]*>Sport <span class="w-n">\(4\)/);
    expect(sport.html).toMatch(/value="culture-loisirs"><label[^>]*>Culture et loisirs <span class="w-n">\(2\)/);
    expect(count((await page("?domain=sport,culture-loisirs")).html)).toBe("6 missions");
    expect(count((await page("?domain=sport&domain=sante")).html)).toBe("6 missions");
    expect(count((await page("?department=Paris")).html)).toBe("2 missions");
    expect(count((await page(`?organization=${encodeURIComponent("Club de Lyon")}`)).html)).toBe("4 missions");
    expect(titles((await page("?remote=yes")).html)).toEqual(["Animer un club en ligne"]);
    expect(count((await page("?remote=no")).html)).toBe("7 missions");
    expect(count((await page("?domain=sport&remote=no")).html)).toBe("3 missions");
    // Around a place (the visitor's): Paris 25 km.
    const paris = await page("?lat=48.8566&lon=2.3522&city=Paris");
    expect(count(paris.html)).toBe("2 missions autour de Paris");
    expect(paris.html).toMatch(/Paris · à \d/);
    // Volontariat filters.
    expect(count((await page("?minor=yes", volontariatId)).html)).toBe("1 mission");
    expect(titles((await page("?minor=no", volontariatId)).html)).toEqual(["Volontariat à Genève"]);
    expect(titles((await page("?start=2030-01-01&duration=8", volontariatId)).html)).toEqual(["Service civique en école"]);
    expect(titles((await page("?start=2030-02-01", volontariatId)).html)).toEqual(["Volontariat à Genève"]);
    expect(count((await page("?duration=6", volontariatId)).html)).toBe("Aucune mission");
    expect(titles((await page("?accessibility=reducedMobilityAccessible", volontariatId)).html)).toEqual(["Volontariat à Genève"]);
    expect(titles((await page("?country=FR", volontariatId)).html)).toEqual(["Service civique en école"]);
    expect(titles((await page("?country=NOT_FR", volontariatId)).html)).toEqual(["Volontariat à Genève"]);
    expect(titles((await page("?country=NOT_FR", widgetId)).html)).toEqual([]);
    expect(titles((await page(`?schedule=${encodeURIComponent("Le week-end")}`, volontariatId)).html)).toEqual(["Volontariat à Genève"]);
    expect(titles((await page(`?beneficiary=Jeunes`, volontariatId)).html)).toEqual(["Service civique en école"]);
    const byAction = await page(`?action=${encodeURIComponent("Éduquer")}`, volontariatId);
    expect(titles(byAction.html)).toEqual(["Service civique en école"]);
    // The action facet ignores its own filter: both actions stay listed with their counts.
    expect(byAction.html).toMatch(/value="Accompagner"><label[^>]*>Accompagner <span class="w-n">\(2\)/);
    expect(byAction.html).toMatch(/value="Éduquer" checked><label[^>]*>Éduquer <span class="w-n">\(1\)/);
    expect(byAction.html).toMatch(/Horaires.*value="24 h par semaine"/s);
    expect((await page("?start=2032-01-01", volontariatId)).html).toContain("Aucune mission ne correspond à vos critères de recherche.");
  });

  it("finds a place typed without JavaScript, by commune name or postal code", async () => {
    const typed = await page(`?place=${encodeURIComponent("lyon")}`);
    // The 3 missions in Lyon (the remote-only one has no place).
    expect(count(typed.html)).toMatch(/^3 missions autour de Lyon \(69\d{3}\)$/);
    expect(typed.html).toContain('name="lat" value="45.');
    const byCode = await page("?place=13001");
    expect(count(byCode.html)).toMatch(/^2 missions autour de Marseille/);
    const unknown = await page(`?place=${encodeURIComponent("Xyzzyville")}`);
    expect(unknown.html).toContain("Lieu « Xyzzyville » introuvable");
    expect(count(unknown.html)).toBe("8 missions");
    const places = await server.request(`/w/places?q=${encodeURIComponent("Saint-Étienne")}`);
    expect(places.body.data[0]).toMatchObject({ label: expect.stringMatching(/^Saint-Étienne \(42\d{3}\)$/), lat: expect.any(Number), lon: expect.any(Number) });
    expect((await server.request("/w/places?q=75011")).body.data[0].label).toBe("Paris (75001)");
  });

  it("links each card to its tracked redirect and its impression beacon, or to nothing with notrack", async () => {
    const res = await page("?domain=sante");
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    const apply = [...res.html.matchAll(/href="(https:\/\/api-engagement\.test\/r\/widget\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
    expect(apply).toHaveLength(2);
    expect(apply[0]).toMatch(new RegExp(`/r/widget/[0-9a-f-]+\\?widgetId=${widgetId}&requestId=${requestId}$`));
    expect(res.html).toMatch(new RegExp(`data-impression="/r/impression/[0-9a-f-]+/${diffuseur.id}\\?tracker=widget&amp;sourceId=${widgetId}&amp;requestId=`));
    expect(res.html).toContain('<noscript><img class="w-pixel" src="/r/impression/');
    const preview = await page("?domain=sante&notrack=1");
    expect(preview.html).not.toContain("/r/widget/");
    expect(preview.html).not.toContain("data-impression");
    expect(preview.html).not.toContain("/r/impression/");
    expect(preview.html).toContain("https://api-engagement.test/r/notrack/");
    expect(preview.html).toContain('<meta name="robots" content="noindex">');
    // notrack survives the filters and paging links.
    expect(preview.html).toContain('<input type="hidden" name="notrack" value="1">');
  });

  it("renders hostile text as harmless text", async () => {
    const res = await page("?domain=sante");
    expect(res.html).not.toContain("<script>alert");
    expect(res.html).toContain("Mission &lt;script&gt;alert(&quot;titre&quot;)&lt;/script&gt; piégée");
    expect(res.html).toContain("Asso &quot;&lt;b&gt;&quot;");
  });

  it("sends a strict script policy, lets any site frame it, compresses", async () => {
    const res = await fetch(`${server.url}/w/${widgetId}`, { headers: { "accept-encoding": "gzip" } });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors *");
    expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const html = await res.text();
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(html).toContain(`<style nonce="${nonce}">:root{--accent:#ffcc00;--on-accent:#161616;--accent-text:#161616}</style>`);
    // Assets named by content, cached for good, compressed.
    const js = /<script src="(\/w\/assets\/widget\.[0-9a-f]+\.js)" defer>/.exec(html)![1]!;
    const css = /<link rel="stylesheet" href="(\/w\/assets\/widget\.[0-9a-f]+\.css)">/.exec(html)![1]!;
    for (const path of [js, css]) {
      const asset = await fetch(`${server.url}${path}`, { headers: { "accept-encoding": "br" } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
      expect(asset.headers.get("content-encoding")).toBe("br");
      expect((await asset.text()).length).toBeGreaterThan(1000);
    }
    expect((await fetch(`${server.url}/w/assets/widget.0000.js`)).status).toBe(404);
  });

  it("answers 404 in French for an unknown, inactive or deleted widget, 400 for a wrong parameter", async () => {
    expect((await page("", "inconnu")).status).toBe(404);
    const id = (await server.request("/v2/widgets", { method: "POST", apiKey: diffuseur.apiKey, json: { name: "Bientôt inactif" } })).body.data.id;
    expect((await page("", id)).status).toBe(200);
    await server.request(`/v2/widgets/${id}`, { method: "PUT", apiKey: diffuseur.apiKey, json: { active: false } });
    const inactive = await page("", id);
    expect(inactive.status).toBe(404);
    expect(inactive.html).toContain("Widget introuvable");
    const wrong = await page("?remote=peut-etre");
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain("remote");
    // Today's embed codes: ?widget=<id>.
    const legacy = await fetch(`${server.url}/w?widget=${widgetId}&domain=sport`, { redirect: "manual" });
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get("location")).toBe(`/w/${widgetId}?domain=sport`);
  });

  it("limits the pages a visitor's address may ask for per window (429), not the cached assets", async () => {
    const limited = await startTestServer({ rateLimit: { ...server.config.rateLimit, enabled: true, widgetIpMax: 3 } }, { loadIndex: false });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/w/${widgetId}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await fetch(`${limited.url}/w/places?q=lyon`)).status).toBe(429);
      const css = /<link rel="stylesheet" href="([^"]+)">/.exec((await page()).html)![1];
      expect((await fetch(`${limited.url}${css}`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("follows the configuration at once: rules, annonceurs, fixed place", async () => {
    const id = (await server.request("/v2/widgets", { method: "POST", apiKey: diffuseur.apiKey, json: { name: "Suit la config" } })).body.data.id;
    const put = (json: unknown) => server.request(`/v2/widgets/${id}`, { method: "PUT", apiKey: diffuseur.apiKey, json });
    await put({ rules: [{ field: "organizationName", operator: "contains", value: "musee" }] });
    expect(titles((await page("", id)).html).sort()).toEqual(["Accueil au théâtre", "Guide au musée"]);
    await put({ rules: [], location: { lat: 43.2965, lon: 5.3698, label: "Marseille" }, distance: "10km" });
    const fixed = await page("?lat=48.8566&lon=2.3522&city=Paris", id);
    expect(count(fixed.html)).toBe("2 missions autour de Marseille");
    expect(fixed.html).toContain("Missions autour de Marseille (10 km)");
    expect(fixed.html).not.toContain('id="w-place-input"');
  });
});

describe("GET /w/:widgetId/mission/:missionId", () => {
  it("shows the sanitised description and the tracked apply button, keeps the list's state for the way back", async () => {
    const list = await page("?domain=sante");
    const link = /<a href="(\/w\/[^"]+\/mission\/[^"]+)">Mission &lt;script/.exec(list.html)![1]!.replace(/&amp;/g, "&");
    expect(link).toContain("?domain=sante");
    const res = await fetch(`${server.url}${link}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div class="w-description"><p>Bonjour</p>');
    expect(html).not.toMatch(/<script>alert|onclick|onerror|javascript:/);
    expect(html).toContain(`href="/w/${widgetId}?domain=sante">Retour aux missions</a>`);
    expect(html).toMatch(/class="w-btn" href="https:\/\/api-engagement\.test\/r\/widget\/[0-9a-f-]+\?widgetId=/);
  });

  it("answers 404 for a mission the widget does not show", async () => {
    const sc = await page("", volontariatId);
    const missionId = /\/mission\/([0-9a-f-]+)/.exec(sc.html)![1];
    expect((await fetch(`${server.url}/w/${widgetId}/mission/${missionId}`)).status).toBe(404);
    expect((await fetch(`${server.url}/w/${volontariatId}/mission/${missionId}`)).status).toBe(200);
  });
});
