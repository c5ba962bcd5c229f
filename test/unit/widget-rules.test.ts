import { describe, expect, it } from "vitest";
import { html, trusted } from "../../src/widgets/html.ts";
import { searchPlaces } from "../../src/widgets/place-search.ts";
import { normalizeColor, ruleGroups, ruleProblems, textOnColor, widgetScopes } from "../../src/widgets/widget-config.ts";
import { pageNumbers, stateQuery } from "../../src/widgets/widget-page.ts";
import { parisMidnight, parseWidgetFilters } from "../../src/widgets/widget-search.ts";

describe("widget rules", () => {
  it("joins rows in position order, « et » binding tighter than « ou »", () => {
    const groups = ruleGroups([
      { field: "domain", operator: "is", value: "sport", position: 2, combinator: "or" },
      { field: "organizationName", operator: "contains", value: " Croix ", position: 0 },
      { field: "departmentName", operator: "is", value: "Rhône", position: 1, combinator: "and" },
    ]);
    expect(groups).toEqual([
      [
        { field: "organizationName", operator: "contains", value: "Croix" },
        { field: "departmentName", operator: "is", value: "Rhône" },
      ],
      [{ field: "domain", operator: "is", value: "sport" }],
    ]);
    expect(ruleGroups([])).toEqual([[]]);
    expect(ruleGroups([{ field: "parentOrganization", operator: "does_not_contain", value: "Réseau" }])).toEqual([[{ field: "parentOrganizations", operator: "does_not_contain", value: "Réseau" }]]);
  });

  it("makes one scope per allowed annonceur and group, keeping the diffusion rules' conditions and the widget's type", () => {
    const excluded = { field: "organizationClientId", operator: "is_not", value: "org-1" } as const;
    const scopes = widgetScopes(
      [
        { publisherId: "a", conditions: [excluded] },
        { publisherId: "b", conditions: [] },
      ],
      { publishers: ["a", "z"], type: "benevolat", rules: [{ field: "domain", operator: "is", value: "sport" }, { field: "domain", operator: "is", value: "sante", combinator: "or" }] },
    );
    const benevolat = { field: "type", operator: "does_not_contain", value: "volontariat" };
    expect(scopes).toEqual([
      { publisherId: "a", conditions: [excluded, benevolat, { field: "domain", operator: "is", value: "sport" }] },
      { publisherId: "a", conditions: [excluded, benevolat, { field: "domain", operator: "is", value: "sante" }] },
    ]);
    const all = widgetScopes([{ publisherId: "a", conditions: [] }, { publisherId: "b", conditions: [] }], { publishers: [], type: "volontariat", rules: [] });
    expect(all.map((s) => s.publisherId)).toEqual(["a", "b"]);
    expect(all[0]!.conditions).toEqual([{ field: "type", operator: "contains", value: "volontariat" }]);
  });

  it("names each wrong row", () => {
    expect(ruleProblems([{ field: "domain", operator: "exists", value: "" }])).toEqual([]);
    expect(ruleProblems([{ field: "title", operator: "is", value: "x" }, { field: "domain", operator: "is_greater_than", value: "" }]).map((p) => p.field)).toEqual([
      "rules[0].field",
      "rules[1].operator",
      "rules[1].value",
    ]);
  });
});

describe("widget colours", () => {
  it("normalises hex colours and picks a readable text colour (WCAG contrast)", () => {
    expect(normalizeColor("#ABC")).toBe("#aabbcc");
    expect(normalizeColor(" #C9191E ")).toBe("#c9191e");
    expect(normalizeColor("red")).toBeNull();
    expect(normalizeColor("#12345")).toBeNull();
    expect(textOnColor("#000091")).toBe("#ffffff");
    expect(textOnColor("#ffcc00")).toBe("#161616");
    expect(textOnColor("#71a246")).toBe("#161616");
  });
});

describe("widget page helpers", () => {
  it("escapes every interpolated value unless it is trusted markup", () => {
    const name = '<img src=x onerror="alert(1)">';
    expect(html`<p title="${name}">${name}${trusted("<b>ok</b>")}${[1, "<2>"]}${null}${false}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<b>ok</b>1&lt;2&gt;</p>',
    );
  });

  it("numbers pages with the first, the last, the current one and its neighbours", () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 3)).toEqual([1, 2, 3]);
    expect(pageNumbers(5, 10)).toEqual([1, null, 4, 5, 6, null, 10]);
    expect(pageNumbers(3, 10)).toEqual([1, 2, 3, 4, null, 10]);
    expect(pageNumbers(10, 10)).toEqual([1, null, 9, 10]);
  });

  it("reads the visitor's filters from the URL and writes them back the same", () => {
    const raw = { domain: ["sport", "sante,none"], department: "Rhône", remote: "no", lat: "45.75", lon: "4.85", city: "Lyon", page: "3", notrack: "1" };
    const filters = parseWidgetFilters(raw, 6);
    expect(filters).toEqual({ domain: ["sport", "sante"], department: ["Rhône"], organization: [], remote: "no", place: { lat: 45.75, lon: 4.85, label: "Lyon" }, page: 3 });
    expect(stateQuery(filters, true, filters.page)).toBe("?domain=sport%2Csante&department=Rh%C3%B4ne&remote=no&lat=45.75&lon=4.85&city=Lyon&page=3&notrack=1");
    expect(parseWidgetFilters({ from: "12" }, 6).page).toBe(3);
    for (const wrong of [{ remote: "maybe" }, { lat: "45" }, { lat: "95", lon: "1" }, { page: "0" }, { duration: "13" }, { start: "demain" }, { accessibility: "oui" }, { domain: "x".repeat(201) }]) {
      expect(() => parseWidgetFilters(wrong, 6), JSON.stringify(wrong)).toThrow(/Paramètre « \w+ » invalide/);
    }
  });

  it("starts Paris days at Paris midnight, winter and summer", () => {
    expect(new Date(parisMidnight("2027-01-15")).toISOString()).toBe("2027-01-14T23:00:00.000Z");
    expect(new Date(parisMidnight("2027-07-15")).toISOString()).toBe("2027-07-14T22:00:00.000Z");
  });
});

describe("place search", () => {
  it("finds communes by the start of their name or postal code, most populous first, accents and hyphens ignored", () => {
    expect(searchPlaces("lyon")[0]?.label).toMatch(/^Lyon \(69\d{3}\)$/);
    expect(searchPlaces("st etienne")[0]?.label).toMatch(/^Saint-Étienne \(42\d{3}\)$/);
    expect(searchPlaces("Saint-Étienne")[0]?.label).toMatch(/^Saint-Étienne/);
    expect(searchPlaces("69003")[0]?.label).toMatch(/^Lyon/);
    expect(searchPlaces("Lyon (69001)")[0]?.label).toBe("Lyon (69001)");
    expect(searchPlaces("mar", 3)).toHaveLength(3);
    expect(searchPlaces("m")).toEqual([]);
    expect(searchPlaces("Xyzzyville")).toEqual([]);
  });
});
