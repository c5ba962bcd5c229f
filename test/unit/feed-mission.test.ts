import { readFileSync } from "node:fs";
import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { feedClientId, normalizeFeedMission, resolveDomain } from "../../src/feeds/feed-mission.ts";
import type { FeedSettings, NormalizedFeedMission, NormalizeResult, XmlElement } from "../../src/feeds/types.ts";
import {
  MSG_APPLICATION_URL_MISSING,
  MSG_COMPENSATION_AMOUNT_INVALID,
  MSG_COMPENSATION_AMOUNT_MAX_INVALID,
  MSG_COMPENSATION_MAX_BELOW_MIN,
  MSG_COMPENSATION_TYPE_INVALID,
  MSG_COMPENSATION_UNIT_INVALID,
  MSG_DESCRIPTION_MISSING,
  MSG_DESCRIPTION_TOO_LONG,
  MSG_PLACES_INVALID,
  MSG_REMOTE_INVALID,
  MSG_TITLE_MISSING,
  MSG_TITLE_ONE_WORD,
} from "../../src/missions/rules/moderation.ts";

// ── Test helpers ──────────────────────────────────────────────────────────────────────────────────

/** A tiny XML → XmlElement builder (text + CDATA concatenated and trimmed, line of the opening tag). */
function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on("opentag", (node) => {
    const el: XmlElement = { name: node.name, text: "", children: [], line: parser.line };
    stack.at(-1)?.children.push(el);
    stack.push(el);
    root ??= el;
  });
  const addText = (t: string) => {
    const top = stack.at(-1);
    if (top) top.text += t;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("closetag", () => {
    const el = stack.pop();
    if (el) el.text = el.text.trim();
  });
  parser.write(xml).close();
  if (!root) throw new Error("no root");
  return root;
}

const BASE: Record<string, string> = {
  clientId: "M-1",
  title: "Aide aux devoirs",
  description: "Accompagner des collégiens dans leurs devoirs.",
  applicationUrl: "https://example.org/missions/1",
  domain: "education",
  organizationClientId: "ORG-42",
  organizationName: "Asso Exemple",
};

/** A `<mission>` from the base fields, with overrides (`null` removes a field) and extra raw XML. */
function mission(overrides: Record<string, string | null> = {}, extra = ""): XmlElement {
  const fields = { ...BASE, ...overrides };
  const body = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join("\n");
  return parseXml(`<mission>\n${body}\n${extra}\n</mission>`);
}

const SETTINGS: FeedSettings = {
  missionType: "benevolat",
  skipModeration: false,
  dateOrder: "dmy",
  defaultOrganizationLogo: "https://cdn.example.org/default-logo.png",
};

function run(el: XmlElement, settings: Partial<FeedSettings> = {}): NormalizeResult {
  return normalizeFeedMission(el, { ...SETTINGS, ...settings });
}

function ok(el: XmlElement, settings: Partial<FeedSettings> = {}): NormalizedFeedMission & { problems: NormalizeResult["problems"] } {
  const result = run(el, settings);
  if (result.kind !== "mission") throw new Error(`skipped: ${JSON.stringify(result.problems)}`);
  return { ...result.mission, problems: result.problems };
}

const cdata = (text: string) => `<![CDATA[${text}]]>`;

// ── clientId, size ────────────────────────────────────────────────────────────────────────────────

describe("clientId", () => {
  it.each([
    ["missing", null],
    ["empty", ""],
    ["blank", "   "],
    ["empty CDATA", cdata("  ")],
  ])("%s → skipped with a message", (_label, value) => {
    const result = run(mission({ clientId: value }));
    expect(result).toEqual({
      kind: "skipped",
      clientId: null,
      problems: [
        {
          clientId: null,
          line: value === null ? 1 : 2,
          field: "clientId",
          message: "clientId manquant : la mission ne peut pas être identifiée ; ajoutez <clientId>",
          outcome: "skipped",
        },
      ],
    });
  });

  it("stays text, leading zeros kept (FIX)", () => {
    expect(ok(mission({ clientId: "00123" })).clientId).toBe("00123");
    expect(feedClientId(mission({ clientId: cdata(" 00123 ") }))).toBe("00123");
    expect(feedClientId(mission({ clientId: null }))).toBeNull();
    expect(feedClientId(mission({ clientId: " " }))).toBeNull();
  });

  it("longer than 200 characters → skipped", () => {
    expect(ok(mission({ clientId: "x".repeat(200) })).clientId).toHaveLength(200);
    const result = run(mission({ clientId: "x".repeat(201) }));
    expect(result.kind).toBe("skipped");
    expect(result.problems).toEqual([
      expect.objectContaining({ field: "clientId", outcome: "skipped", message: expect.stringContaining("trop long (201 caractères") }),
    ]);
  });

  it("oversized mission → skipped", () => {
    const result = run({ name: "mission", text: "", children: [], line: 12, oversized: true });
    expect(result).toEqual({
      kind: "skipped",
      clientId: null,
      problems: [
        {
          clientId: null,
          line: 12,
          field: null,
          message: "Mission trop volumineuse (plus de 1 Mo) : ignorée ; allégez sa description",
          outcome: "skipped",
        },
      ],
    });
  });
});

// ── Texts ─────────────────────────────────────────────────────────────────────────────────────────

describe("title", () => {
  it("is trimmed text", () => {
    expect(ok(mission({ title: cdata("  Aide aux devoirs  ") })).draft.title).toBe("Aide aux devoirs");
  });

  it.each([
    ["missing", null, "", MSG_TITLE_MISSING],
    ["empty", "", "", MSG_TITLE_MISSING],
    ["numeric (FIX: not a silent skip)", "2024", "2024", MSG_TITLE_ONE_WORD],
    ["one word", "Jardinage", "Jardinage", MSG_TITLE_ONE_WORD],
  ])("%s → refused, never dropped", (_label, value, stored, message) => {
    const m = ok(mission({ title: value }));
    expect(m.draft.title).toBe(stored);
    expect(m.statusCode).toBe("REFUSED");
    expect(m.statusComment).toBe(message);
    expect(m.problems).toEqual([{ clientId: "M-1", line: value === null ? 1 : 3, field: "title", message, outcome: "refused" }]);
  });
});

describe("description", () => {
  it("goes through describe(): sanitized HTML and plain text", () => {
    const m = ok(mission({ description: cdata('<p>Bonjour <script>alert(1)</script><a href="javascript:x">lien</a></p><ul><li>un</li></ul>') }));
    expect(m.draft.description_html).toBe("<p>Bonjour lien</p><ul><li>un</li></ul>");
    expect(m.draft.description).toBe("Bonjour lien\n\n • un");
  });

  it("plain text gets paragraphs", () => {
    const m = ok(mission({ description: "Ligne 1" }));
    expect(m.draft).toMatchObject({ description: "Ligne 1", description_html: "<p>Ligne 1</p>" });
  });

  it("entities are decoded once by the reader: &lt;p&gt; is HTML", () => {
    const m = ok(mission({ description: "&lt;p&gt;Texte &amp; suite&lt;/p&gt;" }));
    expect(m.draft.description_html).toBe("<p>Texte &amp; suite</p>");
    expect(m.draft.description).toBe("Texte & suite");
  });

  it("HTML sent without CDATA is rebuilt from the elements", () => {
    const m = ok(mission({ description: "<p>Un</p><p>Deux <b>gras</b></p>" }));
    expect(m.draft.description_html).toBe("<p>Un</p><p>Deux<b>gras</b></p>");
    expect(m.problems).toEqual([]);
  });

  it("mixed text and elements without CDATA → kept as far as possible, with a warning", () => {
    const m = ok(mission({ description: "Texte <b>gras</b> suite" }));
    expect(m.draft.description).toContain("gras");
    expect(m.problems).toEqual([expect.objectContaining({ field: "description", outcome: "warning" })]);
  });

  it("missing → refused Description manquante", () => {
    const m = ok(mission({ description: null }));
    expect(m.draft).toMatchObject({ description: "", description_html: "" });
    expect(m.problems).toEqual([expect.objectContaining({ field: "description", message: MSG_DESCRIPTION_MISSING, outcome: "refused" })]);
  });

  it("longer than 20 000 characters → truncated and refused", () => {
    const m = ok(mission({ description: "a".repeat(20_050) }));
    expect(m.draft.description).toHaveLength(20_000);
    expect(m.statusComment).toBe(MSG_DESCRIPTION_TOO_LONG);
    expect(m.problems[0]?.field).toBe("description");
  });
});

describe("simple texts", () => {
  it.each([
    ["applicationUrl", "application_url"],
    ["image", "image"],
    ["metadata", "metadata"],
    ["priority", "priority"],
    ["schedule", "schedule"],
  ] as const)("%s → %s: trimmed text or null", (element, column) => {
    expect(ok(mission({ [element]: cdata("  valeur 1  ") })).draft[column]).toBe("valeur 1");
    expect(ok(mission({ [element]: "" })).draft[column]).toBeNull();
    expect(ok(mission({ [element]: null })).draft[column]).toBeNull();
  });

  it("missing applicationUrl → refused", () => {
    const m = ok(mission({ applicationUrl: null }));
    expect(m.statusComment).toBe(MSG_APPLICATION_URL_MISSING);
    expect(m.problems).toEqual([expect.objectContaining({ field: "applicationUrl", outcome: "refused" })]);
  });

  it("type comes from the settings", () => {
    expect(ok(mission()).draft.type).toBe("benevolat");
    expect(ok(mission(), { missionType: "volontariat_service_civique" }).draft.type).toBe("volontariat_service_civique");
    expect(ok(mission(), { missionType: null }).draft.type).toBeNull();
  });
});

// ── Dates ─────────────────────────────────────────────────────────────────────────────────────────

describe("dates", () => {
  it.each([
    ["postedAt", "posted_at"],
    ["startAt", "start_at"],
    ["endAt", "end_at"],
  ] as const)("%s → %s", (element, column) => {
    expect(ok(mission({ [element]: "02/03/2025" })).draft[column]?.toISOString()).toBe("2025-03-02T00:00:00.000Z");
    expect(ok(mission({ [element]: "02/03/2025" }), { dateOrder: "mdy" }).draft[column]?.toISOString()).toBe("2025-02-03T00:00:00.000Z");
    expect(ok(mission({ [element]: "2025-09-01T09:00:00+02:00" })).draft[column]?.toISOString()).toBe("2025-09-01T07:00:00.000Z");
    expect(ok(mission({ [element]: "1735689600" })).draft[column]?.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(ok(mission({ [element]: "" })).draft[column]).toBeNull();
    expect(ok(mission({ [element]: null })).draft[column]).toBeNull();
  });

  it("an unreadable date → null and a warning naming the element", () => {
    const m = ok(mission({ startAt: "2025/31/12" }));
    expect(m.draft.start_at).toBeNull();
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.problems).toEqual([
      {
        clientId: "M-1",
        line: 9,
        field: "startAt",
        message:
          "Date illisible pour startAt : « 2025/31/12 » ; formats acceptés : 2025-09-01, 2025-09-01T09:00:00Z ou 01/09/2025 (jour/mois/année)",
        outcome: "warning",
      },
    ]);
  });

  it("an impossible calendar date → warning", () => {
    const m = ok(mission({ endAt: "31/02/2025" }));
    expect(m.draft.end_at).toBeNull();
    expect(m.problems).toEqual([
      expect.objectContaining({
        field: "endAt",
        message: "Date illisible pour endAt : « 31/02/2025 » ; cette date n'existe pas (lue comme jour/mois/année)",
      }),
    ]);
  });

  it("a year outside 1900–2100 → warning", () => {
    const m = ok(mission({ postedAt: "0001-01-01" }));
    expect(m.draft.posted_at).toBeNull();
    expect(m.problems[0]?.message).toContain("entre 1900 et 2100");
  });
});

// ── Taxonomies ────────────────────────────────────────────────────────────────────────────────────

describe("domain", () => {
  it.each([
    ["environnement", "environnement"],
    ["  Sport  ", "sport"],
    ["SANTE", "sante"],
    ["Environnement", "environnement"],
    ["Éducation pour tous", "education"],
    ["EDUCATION POUR TOUS", "education"],
    ["Mémoire et citoyenneté", "memoire-et-citoyennete"],
    ["Culture et loisirs", "culture-loisirs"],
    ["culture loisirs", "culture-loisirs"],
    ["Interventions d’urgence en cas de crise", "autre"],
  ])("%j → %j", (value, slug) => {
    const m = ok(mission({ domain: value }));
    expect(m.draft.domain).toBe(slug);
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("an unknown domain is kept (lower-cased) and refused", () => {
    const m = ok(mission({ domain: "Jardinage" }));
    expect(m.draft.domain).toBe("jardinage");
    expect(m.statusComment).toBe('Domaine non valide : "jardinage"');
    expect(m.problems).toEqual([expect.objectContaining({ field: "domain", outcome: "refused", line: 6 })]);
  });

  it("missing or empty → null", () => {
    expect(ok(mission({ domain: null })).draft.domain).toBeNull();
    expect(ok(mission({ domain: "" })).draft.domain).toBeNull();
    expect(resolveDomain(null)).toBeNull();
  });
});

describe("activities", () => {
  it.each([
    ["activity", "logistique", ["Logistique"]],
    ["activity", "soutien-scolaire,jardinage", ["Soutien scolaire", "Jardinage"]],
    ["activities", "Logistique, inconnu", ["Logistique", "Autre"]],
    ["activity", "<value>Logistique</value><value>Jardinage</value>", ["Logistique", "Jardinage"]],
    ["activity", "", []],
  ])("<%s>%s</…> → %j", (element, value, labels) => {
    expect(ok(mission({ [element]: value })).draft.activities).toEqual(labels);
  });

  it("none → []", () => {
    expect(ok(mission()).draft.activities).toEqual([]);
  });
});

// ── Lists ─────────────────────────────────────────────────────────────────────────────────────────

describe("lists", () => {
  it.each([
    ["tags", "tags"],
    ["tasks", "tasks"],
    ["audience", "audience"],
    ["publicBeneficiaries", "audience"],
    ["publicsBeneficiaires", "audience"],
    ["softSkills", "soft_skills"],
    ["soft_skills", "soft_skills"],
    ["romeSkills", "rome_skills"],
    ["requirements", "requirements"],
  ] as const)("<%s> → %s", (element, column) => {
    expect(ok(mission({ [element]: " a, b ,, a ,c" })).draft[column]).toEqual(["a", "b", "c"]);
    expect(ok(mission({ [element]: "<value>a, b</value><value> c </value><value/>" })).draft[column]).toEqual(["a, b", "c"]);
    expect(ok(mission({ [element]: "<item>x, y</item><item>z</item>" })).draft[column]).toEqual(["x, y", "z"]);
    expect(ok(mission({ [element]: "" })).draft[column]).toEqual([]);
  });

  it("the main name wins over its fallbacks", () => {
    const m = ok(mission({ audience: "Jeunes", publicBeneficiaries: "Seniors", softSkills: "Écoute", soft_skills: "Autre" }));
    expect(m.draft.audience).toEqual(["Jeunes"]);
    expect(m.draft.soft_skills).toEqual(["Écoute"]);
  });

  it("an empty main element falls back to the next name", () => {
    expect(ok(mission({ audience: "", publicsBeneficiaires: "Seniors" })).draft.audience).toEqual(["Seniors"]);
  });

  it("repeated elements are read together", () => {
    expect(ok(mission({}, "<tags>a</tags><tags>b, c</tags>")).draft.tags).toEqual(["a", "b", "c"]);
  });

  it("absent lists are []", () => {
    const { draft } = ok(mission());
    expect([draft.tags, draft.tasks, draft.audience, draft.soft_skills, draft.rome_skills, draft.requirements]).toEqual([[], [], [], [], [], []]);
  });
});

// ── Enumerations and flags ────────────────────────────────────────────────────────────────────────

describe("remote", () => {
  it.each([
    [null, null],
    ["", "no"],
    ["non", "no"],
    ["oui", "possible"],
    ["Hybride", "possible"],
    ["FULL", "full"],
    ["local", "local"],
  ])("%j → %j", (value, expected) => {
    const m = ok(mission({ remote: value }));
    expect(m.draft.remote).toBe(expected);
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("an unknown value is kept and refused", () => {
    const m = ok(mission({ remote: "parfois" }));
    expect(m.draft.remote).toBe("parfois");
    expect(m.statusComment).toBe(MSG_REMOTE_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "remote", outcome: "refused" })]);
  });
});

describe("booleans", () => {
  const fields = [
    ["reducedMobilityAccessible", "reduced_mobility_accessible"],
    ["closeToTransport", "close_to_transport"],
    ["openToMinors", "open_to_minors"],
  ] as const;

  it.each(fields)("%s → %s", (element, column) => {
    for (const [value, expected] of [
      ["yes", true],
      ["true", true],
      ["1", true],
      ["Oui", true],
      ["no", false],
      ["NON", false],
      ["false", false],
      ["0", false],
      ["", null],
      [null, null],
    ] as const) {
      const m = ok(mission({ [element]: value }));
      expect(m.draft[column], `${value}`).toBe(expected);
      expect(m.problems).toEqual([]);
    }
  });

  it.each(fields)("%s: a value not understood → null and a warning", (element, column) => {
    const m = ok(mission({ [element]: "peut-être" }));
    expect(m.draft[column]).toBeNull();
    expect(m.problems).toEqual([
      {
        clientId: "M-1",
        line: 9,
        field: element,
        message: `Valeur « peut-être » non comprise pour ${element} : attendu yes ou no (oui ou non)`,
        outcome: "warning",
      },
    ]);
  });

  it.each([
    [null, false],
    ["yes", true],
    ["oui", true],
    ["no", false],
  ])("snu %j → %j", (value, expected) => {
    expect(ok(mission({ snu: value })).draft.snu).toBe(expected);
  });

  it("snu not understood → false with a warning", () => {
    const m = ok(mission({ snu: "bof" }));
    expect(m.draft.snu).toBe(false);
    expect(m.problems).toEqual([expect.objectContaining({ field: "snu", outcome: "warning" })]);
  });

  it.each([
    ["12", 12, 0],
    ["0", 0, 0],
    ["", null, 0],
    ["-3", null, 1],
    ["2.5", null, 1],
    ["beaucoup", null, 1],
  ])("snuPlaces %j → %j", (value, expected, warnings) => {
    const m = ok(mission({ snuPlaces: value }));
    expect(m.draft.snu_places).toBe(expected);
    expect(m.problems.filter((p) => p.field === "snuPlaces" && p.outcome === "warning")).toHaveLength(warnings);
  });
});

describe("places", () => {
  it.each([
    [null, 1, "ATTRIBUTED_BY_API"],
    ["", 1, "ATTRIBUTED_BY_API"],
    ["0", 1, "ATTRIBUTED_BY_API"],
    ["1", 1, "GIVEN_BY_PARTNER"],
    ["12", 12, "GIVEN_BY_PARTNER"],
    [" 3 ", 3, "GIVEN_BY_PARTNER"],
  ])("%j → %j %s", (value, places, status) => {
    const m = ok(mission({ places: value }));
    expect(m.draft).toMatchObject({ places, places_status: status });
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("a negative number is kept and refused", () => {
    const m = ok(mission({ places: "-2" }));
    expect(m.draft).toMatchObject({ places: -2, places_status: "GIVEN_BY_PARTNER" });
    expect(m.statusComment).toBe(MSG_PLACES_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "places", outcome: "refused" })]);
  });

  it.each(["2.5", "abc", "99999999999"])("%j (not an integer) → refused, never written", (value) => {
    const m = ok(mission({ places: value }));
    expect(m.draft.places).toBeNull();
    expect(m.statusCode).toBe("REFUSED");
    expect(m.statusComment).toBe(MSG_PLACES_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "places", outcome: "refused" })]);
  });

  it("an earlier rule wins over unreadable places", () => {
    const m = ok(mission({ places: "abc", title: "Un" }));
    expect(m.statusComment).toBe(MSG_TITLE_ONE_WORD);
    expect(m.draft.places).toBeNull();
  });

  it("without moderation, unreadable places → 1 with a warning", () => {
    const m = ok(mission({ places: "2.5" }), { skipModeration: true });
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.draft).toMatchObject({ places: 1, places_status: "ATTRIBUTED_BY_API" });
    expect(m.problems).toEqual([expect.objectContaining({ field: "places", outcome: "warning" })]);
  });
});

describe("compensation", () => {
  it.each([
    ["10", "10"],
    ["10,5", "10.5"],
    ["10.50", "10.5"],
    ["1 200", "1200"],
    ["0", "0"],
    ["", null],
  ])("compensationAmount %j → %j", (value, stored) => {
    const m = ok(mission({ compensationAmount: value }));
    expect(m.draft.compensation_amount).toBe(stored);
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("a negative amount is kept and refused", () => {
    const m = ok(mission({ compensationAmount: "-10" }));
    expect(m.draft.compensation_amount).toBe("-10");
    expect(m.statusComment).toBe(MSG_COMPENSATION_AMOUNT_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "compensationAmount", outcome: "refused" })]);
  });

  it.each(["abc", "10 €", "1e3"])("an unreadable amount %j → null and refused", (value) => {
    const m = ok(mission({ compensationAmount: value }));
    expect(m.draft.compensation_amount).toBeNull();
    expect(m.statusCode).toBe("REFUSED");
    expect(m.statusComment).toBe(MSG_COMPENSATION_AMOUNT_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "compensationAmount", outcome: "refused" })]);
  });

  it("an unreadable amount wins over a later rule, not over an earlier one", () => {
    expect(ok(mission({ compensationAmount: "abc", compensationUnit: "semaine" })).statusComment).toBe(MSG_COMPENSATION_AMOUNT_INVALID);
    expect(ok(mission({ compensationAmount: "abc", applicationUrl: null })).statusComment).toBe(MSG_APPLICATION_URL_MISSING);
  });

  it("compensationAmountMax is read too", () => {
    expect(ok(mission({ compensationAmount: "10", compensationAmountMax: "12,5" })).draft.compensation_amount_max).toBe("12.5");
    const below = ok(mission({ compensationAmount: "10", compensationAmountMax: "5" }));
    expect(below.statusComment).toBe(MSG_COMPENSATION_MAX_BELOW_MIN);
    expect(below.problems).toEqual([expect.objectContaining({ field: "compensationAmountMax" })]);
    const unreadable = ok(mission({ compensationAmountMax: "beaucoup" }));
    expect(unreadable.draft.compensation_amount_max).toBeNull();
    expect(unreadable.statusComment).toBe(MSG_COMPENSATION_AMOUNT_MAX_INVALID);
  });

  it("without moderation an unreadable amount is a warning", () => {
    const m = ok(mission({ compensationAmount: "abc" }), { skipModeration: true });
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.draft.compensation_amount).toBeNull();
    expect(m.problems).toEqual([expect.objectContaining({ field: "compensationAmount", outcome: "warning" })]);
  });

  it.each([
    ["hour", "hour"],
    ["Heures", "hour"],
    ["jour", "day"],
    ["mois", "month"],
    ["année", "year"],
  ])("compensationUnit %j → %j", (value, unit) => {
    expect(ok(mission({ compensationUnit: value })).draft.compensation_unit).toBe(unit);
  });

  it("an unknown unit is kept and refused", () => {
    const m = ok(mission({ compensationUnit: "Semaine" }));
    expect(m.draft.compensation_unit).toBe("semaine");
    expect(m.statusComment).toBe(MSG_COMPENSATION_UNIT_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "compensationUnit" })]);
  });

  it("compensationType is lower-cased; an unknown one is refused", () => {
    expect(ok(mission({ compensationType: "Gross" })).draft.compensation_type).toBe("gross");
    const m = ok(mission({ compensationType: "brut" }));
    expect(m.statusComment).toBe(MSG_COMPENSATION_TYPE_INVALID);
    expect(m.problems).toEqual([expect.objectContaining({ field: "compensationType", outcome: "refused" })]);
  });
});

// ── Addresses ─────────────────────────────────────────────────────────────────────────────────────

const address = (fields: Record<string, string>, location?: [string, string]) =>
  `<address>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join("")}${location ? `<location><lat>${location[0]}</lat><lon>${location[1]}</lon></location>` : ""}</address>`;

describe("addresses: multi form", () => {
  it("reads every non-empty <address>", () => {
    const m = ok(
      mission(
        {},
        `<addresses>${address({ street: "1 rue A", city: "Lyon", postalCode: "69003", country: "FR" }, ["45.76", "4.85"])}<address></address>${address({ city: "Bourg-en-Bresse", postalCode: "01000", country: "France" })}${address({ city: "Genève", country: "CH" })}</addresses>`,
      ),
    );
    expect(m.addresses.map(({ hash: _h, ...a }) => a)).toEqual([
      expect.objectContaining({ street: "1 rue A", city: "Lyon", postalCode: "69003", country: "FR", departmentCode: "69", lat: 45.76, lon: 4.85, geolocStatus: "ENRICHED_BY_PUBLISHER" }),
      expect.objectContaining({ city: "Bourg-en-Bresse", postalCode: "01000", departmentCode: "01", country: "FR", geolocStatus: "ENRICHED_BY_API" }),
      expect.objectContaining({ city: "Genève", country: "CH", lat: null, geolocStatus: "NOT_FOUND" }),
    ]);
    expect(m.problems).toEqual([]);
  });

  it("drops duplicates", () => {
    const one = address({ city: "Lyon", postalCode: "69003" });
    expect(ok(mission({}, `<addresses>${one}${one}</addresses>`)).addresses).toHaveLength(1);
  });

  it("departmentCode, departmentName, region are passed on", () => {
    const m = ok(mission({}, `<addresses>${address({ city: "Ajaccio", departmentCode: "2A", country: "FR" })}</addresses>`));
    expect(m.addresses[0]).toMatchObject({ departmentCode: "2A", region: "Corse" });
    const abroad = ok(mission({}, `<addresses>${address({ city: "Québec", departmentName: "Capitale", region: "Québec", country: "CA" })}</addresses>`));
    expect(abroad.addresses[0]).toMatchObject({ departmentName: "Capitale", region: "Québec", country: "CA" });
  });

  it("unreadable or out-of-range coordinates → warning, place resolved from the commune", () => {
    const m = ok(mission({}, `<addresses>${address({ city: "Grenoble", country: "FR" }, ["abc", "5.72"])}</addresses>`));
    expect(m.addresses[0]).toMatchObject({ city: "Grenoble", departmentCode: "38", geolocStatus: "ENRICHED_BY_API" });
    expect(m.problems).toEqual([expect.objectContaining({ field: "location", outcome: "warning" })]);
    const far = ok(mission({}, `<addresses>${address({ city: "Grenoble", country: "FR" }, ["145.1", "5.72"])}</addresses>`));
    expect(far.problems).toEqual([expect.objectContaining({ field: "location", outcome: "warning" })]);
  });

  it("a decimal comma is read in <lat>/<lon>", () => {
    const m = ok(mission({}, `<addresses>${address({ city: "Lyon", country: "FR" }, ["45,76", "4,85"])}</addresses>`));
    expect(m.addresses[0]).toMatchObject({ lat: 45.76, lon: 4.85 });
  });

  it("an invalid country is refused on the first address", () => {
    const m = ok(mission({}, `<addresses>${address({ city: "Nulle part", country: "Atlantide" })}</addresses>`));
    expect(m.statusComment).toBe('Pays non valide : "Atlantide"');
    expect(m.problems).toEqual([expect.objectContaining({ field: "country", outcome: "refused" })]);
  });

  it("<addresses> with only empty <address> → flat form", () => {
    const m = ok(mission({ city: "Lyon", postalCode: "69003" }, "<addresses><address><street></street></address></addresses>"));
    expect(m.addresses).toEqual([expect.objectContaining({ city: "Lyon", postalCode: "69003", country: "FR" })]);
  });
});

describe("addresses: flat form", () => {
  it("reads address/adresse, city, postalCode, departmentCode, departmentName, region, country/countryCode", () => {
    const m = ok(mission({ address: "3 rue B", city: "Bourg-en-Bresse", postalCode: "01000", country: "France" }));
    expect(m.addresses).toEqual([expect.objectContaining({ street: "3 rue B", postalCode: "01000", departmentCode: "01", country: "FR" })]);
    const alias = ok(mission({ adresse: "4 rue C", city: "Genève", countryCode: "CH", region: "GE", departmentName: "Genève", departmentCode: "GE" }));
    expect(alias.addresses).toEqual([
      expect.objectContaining({ street: "4 rue C", city: "Genève", country: "CH", region: "GE", departmentName: "Genève", departmentCode: "GE" }),
    ]);
  });

  it("no value at all → no address", () => {
    expect(ok(mission()).addresses).toEqual([]);
    expect(ok(mission({ city: "", postalCode: "" })).addresses).toEqual([]);
  });

  it.each([
    ["2.35,48.85", { lat: 48.85, lon: 2.35 }],
    ["48.58,7.75", { lat: 48.58, lon: 7.75 }],
    ["7.75,48.58", { lat: 48.58, lon: 7.75 }],
    ["45.5,-122.6", { lat: 45.5, lon: -122.6 }],
    ["-1.55, 47.21", { lat: 47.21, lon: -1.55 }],
  ])("lonlat %j (legacy heuristic)", (value, point) => {
    const m = ok(mission({ city: "X", lonlat: value }));
    expect(m.addresses[0]).toMatchObject({ ...point, geolocStatus: "ENRICHED_BY_PUBLISHER" });
  });

  it("lonLat is lat,lon", () => {
    expect(ok(mission({ city: "X", lonLat: "48.85,2.35" })).addresses[0]).toMatchObject({ lat: 48.85, lon: 2.35 });
  });

  it("location/lat + location/lon", () => {
    const m = ok(mission({ city: "X" }, "<location><lat>48.85</lat><lon>2.35</lon></location>"));
    expect(m.addresses[0]).toMatchObject({ lat: 48.85, lon: 2.35 });
  });

  it("lonlat wins over lonLat and location; an unreadable one warns and the next is used", () => {
    const both = ok(mission({ city: "X", lonlat: "2.35,48.85", lonLat: "45.76,4.85" }));
    expect(both.addresses[0]).toMatchObject({ lat: 48.85, lon: 2.35 });
    const bad = ok(mission({ city: "X", lonlat: "n/a", lonLat: "45.76,4.85" }));
    expect(bad.addresses[0]).toMatchObject({ lat: 45.76, lon: 4.85 });
    expect(bad.problems).toEqual([expect.objectContaining({ field: "lonlat", outcome: "warning", message: expect.stringContaining("« n/a »") })]);
  });

  it("coordinates alone make an address", () => {
    expect(ok(mission({ lonlat: "2.35,48.85" })).addresses).toEqual([expect.objectContaining({ lat: 48.85, lon: 2.35, city: null })]);
  });

  it("postal codes stay text (FIX)", () => {
    const m = ok(mission({ postalCode: "01000", city: "Bourg-en-Bresse" }));
    expect(m.addresses[0]?.postalCode).toBe("01000");
  });
});

// ── Organisation ──────────────────────────────────────────────────────────────────────────────────

describe("organisation", () => {
  const org = (overrides: Record<string, string | null>, settings: Partial<FeedSettings> = {}) =>
    ok(mission({ organizationClientId: null, organizationName: null, ...overrides }), settings).organization;

  it.each([
    [{ organizationClientId: "ORG-1", organizationId: "LEG-1", organizationRNA: "W751234567", organizationName: "Asso" }, "ORG-1"],
    [{ organizationId: "LEG-1", organizationRNA: "W751234567" }, "LEG-1"],
    [{ organizationRNA: "w75-123 4567" }, "W751234567"],
    [{ organizationRna: "W751234567" }, "W751234567"],
    [{ organizationSiren: "01234567800012", organizationName: "Asso" }, "01234567800012"],
    [{ organizationSiret: "012345678 00012" }, "01234567800012"],
    [{ organizationSiren: "012345678" }, "012345678"],
    [{ organizationName: "Les Restos du Cœur !" }, "les-restos-du-coeur"],
  ])("client id from %j → %s", (fields, clientId) => {
    expect(org(fields).clientId).toBe(clientId);
  });

  it("none → skipped", () => {
    const result = run(mission({ organizationClientId: null, organizationName: null, organizationRNA: "" }));
    expect(result).toEqual({
      kind: "skipped",
      clientId: "M-1",
      problems: [
        {
          clientId: "M-1",
          line: 1,
          field: "organizationClientId",
          message: "Organisation non identifiable : renseignez organizationClientId, organizationRNA, organizationSiren ou organizationName",
          outcome: "skipped",
        },
      ],
    });
  });

  it("sets every field", () => {
    const patch = org({
      organizationClientId: "ORG-9",
      organizationName: cdata(" Mon asso "),
      organizationRNA: "W922000733",
      organizationSiren: "012345678",
      organizationSiret: "01234567800019",
      organizationUrl: "https://asso.example",
      organizationLogo: "https://asso.example/logo.png",
      organizationDescription: "Une asso",
      organizationStatusJuridique: "Association",
      organizationType: "1901",
      keyActions: "Aider, Accompagner",
      organizationFullAddress: "1 rue X 01000 Bourg",
      organizationPostCode: "01000",
      organizationCity: "Bourg",
      organizationBeneficiaries: "Jeunes,Seniors",
      organizationReseaux: "<value>Réseau A</value><value>Réseau, B</value>",
      organizationActions: "ignoré",
    }).patch;
    expect(patch).toEqual({
      name: "Mon asso",
      rna: "W922000733",
      siren: "012345678",
      siret: "01234567800019",
      url: "https://asso.example",
      logo: "https://asso.example/logo.png",
      description: "Une asso",
      legal_status: "Association",
      type: "1901",
      actions: ["Aider", "Accompagner"],
      full_address: "1 rue X 01000 Bourg",
      postal_code: "01000",
      city: "Bourg",
      beneficiaries: ["Jeunes", "Seniors"],
      parent_organizations: ["Réseau A", "Réseau, B"],
    });
  });

  it("absent fields are null or [] and the logo falls back to the publisher's default", () => {
    expect(org({ organizationClientId: "ORG-1" }).patch).toEqual({
      name: null,
      rna: null,
      siren: null,
      siret: null,
      url: null,
      logo: "https://cdn.example.org/default-logo.png",
      description: null,
      legal_status: null,
      type: null,
      actions: [],
      full_address: null,
      postal_code: null,
      city: null,
      beneficiaries: [],
      parent_organizations: [],
    });
    expect(org({ organizationClientId: "ORG-1", organizationLogo: "" }, { defaultOrganizationLogo: null }).patch.logo).toBeNull();
  });

  it.each(["organizationBeneficiaires", "publicBeneficiaries", "publicsBeneficiaires"])("beneficiaries fall back to %s", (element) => {
    expect(org({ organizationClientId: "O", [element]: "Tous" }).patch.beneficiaries).toEqual(["Tous"]);
  });

  it("parent organisations fall back to parentOrganizationName", () => {
    expect(org({ organizationClientId: "O", parentOrganizationName: "Fédération, nationale" }).patch.parent_organizations).toEqual([
      "Fédération, nationale",
    ]);
    expect(org({ organizationClientId: "O", organizationReseaux: "R", parentOrganizationName: "P" }).patch.parent_organizations).toEqual(["R"]);
  });

  it("an invalid SIREN → warning and null", () => {
    const m = ok(mission({ organizationSiren: "1234" }));
    expect(m.organization.patch).toMatchObject({ siren: null, siret: null });
    expect(m.problems).toEqual([
      {
        clientId: "M-1",
        line: 9,
        field: "organizationSiren",
        message: "SIREN invalide « 1234 » : 9 chiffres attendus (14 pour un SIRET) ; valeur ignorée",
        outcome: "warning",
      },
    ]);
  });

  it("an invalid RNA or SIRET → warning and null", () => {
    const m = ok(mission({ organizationRna: "12345", organizationSiret: "999" }));
    expect(m.organization.patch).toMatchObject({ rna: null, siret: null });
    expect(m.problems.map((p) => [p.field, p.outcome])).toEqual([
      ["organizationRna", "warning"],
      ["organizationSiret", "warning"],
    ]);
  });

  it("the organisation name is moderated", () => {
    const m = ok(mission({ organizationName: "Asso &amp;#233;" }));
    expect(m.statusComment).toBe("Problème d'encodage dans le nom de l'organisation");
    expect(m.problems).toEqual([expect.objectContaining({ field: "organizationName", outcome: "refused", line: 8 })]);
  });
});

// ── Moderation, problems, robustness ──────────────────────────────────────────────────────────────

describe("moderation and problems", () => {
  it("a complete mission is ACCEPTED with no problem", () => {
    const m = ok(mission());
    expect(m).toMatchObject({ statusCode: "ACCEPTED", statusComment: "", problems: [] });
  });

  it("skipModeration accepts anything", () => {
    const m = ok(mission({ title: null, remote: "parfois", domain: "x" }), { skipModeration: true });
    expect(m).toMatchObject({ statusCode: "ACCEPTED", statusComment: "", problems: [] });
  });

  it("every problem carries the clientId and a line", () => {
    const m = ok(mission({ startAt: "hier", openToMinors: "bof", places: "-1" }));
    expect(m.problems.length).toBe(3);
    for (const p of m.problems) {
      expect(p.clientId).toBe("M-1");
      expect(p.line).toBeGreaterThan(1);
    }
  });

  it("unknown and declared-but-ignored elements are ignored silently", () => {
    const m = ok(mission({ id: "42", isAutonomy: "yes", autonomyZips: "75001", organizationActions: "x", foo: "bar" }, "<nested><deep>1</deep></nested>"));
    expect(m.problems).toEqual([]);
    expect(m.statusCode).toBe("ACCEPTED");
  });

  it("never throws", () => {
    const weird: XmlElement[] = [
      { name: "mission", text: "", children: [], line: 1 },
      { name: "mission", text: "texte", children: undefined as unknown as XmlElement[], line: Number.NaN },
      mission({ clientId: "<value>a</value>", title: "<b/>", places: "<value>1</value>", lonlat: "1,2,3", startAt: "--" }),
      { name: "mission", text: "", line: 2, children: [{ name: "clientId", text: "a", children: [], line: 3 }, { name: "startAt", text: "\u0000", children: [], line: 4 }] },
      parseXml(`<mission><clientId>x</clientId><organizationName>a</organizationName><addresses><address><location><lat>x</lat></location></address></addresses></mission>`),
      { name: "mission", text: "", line: 3, children: [{ name: "clientId", text: 12 as unknown as string, children: [], line: 4 }] },
    ];
    for (const el of weird) {
      expect(() => normalizeFeedMission(el, SETTINGS)).not.toThrow();
    }
  });
});

// ── The real reference feeds ──────────────────────────────────────────────────────────────────────

function feedMissions(file: string): XmlElement[] {
  const root = parseXml(readFileSync(new URL(`../../../shared/reference/feeds/${file}`, import.meta.url), "utf8"));
  return root.children.filter((c) => c.name === "mission");
}

describe("reference feeds", () => {
  it("correct-feed.xml → an ACCEPTED mission", () => {
    const [el] = feedMissions("correct-feed.xml");
    const m = ok(el!);
    expect(m.problems).toEqual([]);
    expect(m.clientId).toBe("32132143");
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.draft).toMatchObject({
      title: "Titre de la mission",
      description: "Description de la mission",
      application_url: "https://www.urltomymission.org",
      posted_at: new Date("2023-01-01T00:00:00Z"),
      start_at: new Date("2025-01-01T00:00:00Z"),
      end_at: new Date("2025-01-11T00:00:00Z"),
      schedule: "1 demi-journée par semaine",
      places: 2,
      places_status: "GIVEN_BY_PARTNER",
      compensation_amount: "10",
      compensation_unit: "hour",
      compensation_type: "gross",
      activities: ["Logistique"],
      remote: "full",
      domain: "environnement",
      tags: ["environnement", "écologie"],
      image: "https://monurl.com/1.jpg",
      audience: ["Tous"],
      soft_skills: ["compétence 1", "compétence 2"],
      rome_skills: ["Rome 1", "Rome 2"],
      requirements: ["Exigence 1", "Exigence 2"],
      reduced_mobility_accessible: true,
      close_to_transport: true,
      open_to_minors: true,
      priority: "haute",
      metadata: null,
      type: "benevolat",
    });
    expect(m.addresses.map(({ hash: _h, ...a }) => a)).toEqual([
      {
        street: "46 Rue Saint-Antoine",
        postalCode: "75004",
        city: "Paris",
        departmentCode: "75",
        departmentName: "Paris",
        region: "Île-de-France",
        country: "FR",
        lat: 48.8541,
        lon: 2.3643,
        geolocStatus: "ENRICHED_BY_PUBLISHER",
      },
      {
        street: "Quai de Loire",
        postalCode: "45000",
        city: "Orléans",
        departmentCode: "45",
        departmentName: "Loiret",
        region: "Centre-Val de Loire",
        country: "FR",
        lat: 47.8951,
        lon: 1.9108,
        geolocStatus: "ENRICHED_BY_PUBLISHER",
      },
    ]);
    expect(m.organization).toEqual({
      clientId: "123312321",
      patch: {
        name: "Mon asso",
        rna: "W922000733",
        siren: "332737394",
        siret: null,
        url: "https://www.organizationname.com",
        logo: "https://www.organizationname.com/logo.jpg",
        description: null,
        legal_status: "Association",
        type: "1901",
        actions: [],
        full_address: "55 Rue du Faubourg Saint-Honoré 75008 Paris",
        postal_code: "75008",
        city: "Paris",
        beneficiaries: ["Tous"],
        parent_organizations: ["Réseau"],
      },
    });
  });

  it("correct-feed.xml in month/day order (the legacy reading)", () => {
    const [el] = feedMissions("correct-feed.xml");
    const m = ok(el!, { dateOrder: "mdy" });
    expect(m.draft.start_at).toEqual(new Date("2025-01-01T00:00:00Z"));
    expect(m.draft.end_at).toEqual(new Date("2025-11-01T00:00:00Z"));
  });

  it("invalid-compensation-feed.xml → REFUSED for the negative amount", () => {
    const [el] = feedMissions("invalid-compensation-feed.xml");
    const m = ok(el!);
    expect(m.clientId).toBe("INVALID_COMPENSATION");
    expect(m.statusCode).toBe("REFUSED");
    expect(m.statusComment).toBe("Montant de la compensation invalide (nombre positif attendu)");
    expect(m.problems).toEqual([
      {
        clientId: "INVALID_COMPENSATION",
        line: 27,
        field: "compensationAmount",
        message: "Montant de la compensation invalide (nombre positif attendu)",
        outcome: "refused",
      },
    ]);
  });

  it("invalid-address-feed.xml → accepted, the address resolves Grenoble offline", () => {
    const [el] = feedMissions("invalid-address-feed.xml");
    const m = ok(el!);
    expect(m).toMatchObject({ clientId: "INVALID_ADDR_1", statusCode: "ACCEPTED", problems: [] });
    expect(m.addresses).toEqual([
      expect.objectContaining({
        street: "champ libre invalide",
        city: "Grenoble",
        departmentCode: "38",
        departmentName: "Isère",
        country: "FR",
        geolocStatus: "ENRICHED_BY_API",
      }),
    ]);
    expect(m.addresses[0]?.lat).toBeCloseTo(45.19, 1);
    expect(m.organization.clientId).toBe("ORG_1");
  });

  it("missing-logo-feed.xml → the organisation logo falls back to the publisher's default", () => {
    const [el] = feedMissions("missing-logo-feed.xml");
    const m = ok(el!);
    expect(m.statusCode).toBe("ACCEPTED");
    expect(m.organization.patch.logo).toBe("https://cdn.example.org/default-logo.png");
    expect(m.addresses).toHaveLength(1);
  });
});
