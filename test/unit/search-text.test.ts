import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as demoVocabulary from "../../src/demo/vocabulary.ts";
import { listCommunesWithCoordinates } from "../../src/places/index.ts";
import { type EngineQuery, type SearchDoc, SearchEngine } from "../../src/search/engine.ts";
import { frenchStem } from "../../src/search/text-stem.ts";
import { analyzeQuery, fold, isStopWord, stem, tokenize, wordKeys } from "../../src/search/text.ts";
import { ACTIVITIES } from "../../src/taxonomy/activities.ts";

function doc(id: string, fields: Partial<SearchDoc> = {}): SearchDoc {
  return {
    id,
    publisherId: "pub",
    clientId: id,
    organizationClientId: null,
    organizationName: null,
    organizationRna: null,
    organizationLegalStatus: null,
    parentOrganizations: [],
    domain: null,
    activities: [],
    type: null,
    remote: null,
    openToMinors: null,
    reducedMobilityAccessible: null,
    snu: false,
    startAt: null,
    createdAt: 0,
    updatedAt: 0,
    title: "",
    description: "",
    addresses: [],
    ...fields,
  };
}

function search(engine: SearchEngine, keywords: string, extra: Partial<EngineQuery> = {}) {
  return engine.search({ scopes: [{ publisherId: "pub", conditions: [] }], keywords, skip: 0, limit: 100, ...extra });
}
const found = (engine: SearchEngine, keywords: string) =>
  search(engine, keywords)
    .hits.map((h) => h.id)
    .sort();

describe("tokenize", () => {
  it("splits on spaces, punctuation, apostrophes and hyphens, lower-cases, keeps digits", () => {
    expect(tokenize("L'école d'Évry, SAPEURS-pompiers (2024) : aujourd’hui !")).toEqual([
      "l",
      "école",
      "d",
      "évry",
      "sapeurs",
      "pompiers",
      "2024",
      "aujourd",
      "hui",
    ]);
    expect(tokenize("")).toEqual([]);
    expect(tokenize("  ...  ")).toEqual([]);
    expect(tokenize("œuvre\u00a0caritative")).toEqual(["œuvre", "caritative"]);
  });

  it("keeps decomposed accents and non-Latin letters inside words", () => {
    expect(tokenize("e\u0301te\u0301 Ελλάδα")).toEqual(["e\u0301te\u0301", "ελλάδα"]);
  });
});

describe("fold, stop words, stems", () => {
  it("removes accents and expands ligatures", () => {
    expect(fold("élèves")).toBe("eleves");
    expect(fold("œuvrés")).toBe("oeuvres");
    expect(fold("français")).toBe("francais");
    expect(fold("e\u0301te\u0301")).toBe("ete");
    expect(fold("plain")).toBe("plain");
  });

  it("recognises French stop words with or without accents", () => {
    for (const w of ["les", "des", "à", "a", "où", "ou", "pour", "avec", "été", "était", "cette"]) {
      if (w === "été") expect(isStopWord(w)).toBe(false); // summer: kept searchable
      else expect(isStopWord(w), w).toBe(true);
    }
    expect(isStopWord("soutien")).toBe(false);
    expect(wordKeys("les")).toBeNull();
  });

  it("gives the same key to inflected forms", () => {
    const key = (w: string) => wordKeys(w)?.join("|");
    expect(key("bénévoles")).toBe(key("bénévole"));
    expect(key("benevoles")).toBe(key("bénévole"));
    expect(key("enfants")).toBe(key("enfant"));
    expect(key("animaux")).toBe(key("animal"));
    expect(key("accompagnement")).toBe(key("accompagner"));
    expect(key("Évry".toLowerCase())).toBe(key("evry"));
    expect(stem("jardins")).toBe(stem("jardin"));
  });

  it("indexes accented words under their accent-free stem too", () => {
    // The stemmer needs the accent to remove "-ité": both keys are kept for "activité".
    expect(wordKeys("activité")).toEqual(["activ", "activit"]);
    expect(wordKeys("activite")).toEqual(["activit"]);
    expect(wordKeys("scolaire")).toEqual(["scolair"]);
  });

  it("analyzeQuery drops stop words and repeated words", () => {
    expect(analyzeQuery("les bénévoles et LES Bénévoles d'Évry")).toEqual([["benevol"], ["evry"]]);
    expect(analyzeQuery("de la et à")).toEqual([]);
    expect(analyzeQuery("")).toEqual([]);
  });
});

describe("keyword search", () => {
  const engine = new SearchEngine();
  engine.upsert(doc("title", { title: "Soutien scolaire des collégiens", description: "Aide aux devoirs le mercredi." }));
  engine.upsert(doc("desc", { title: "Mission au collège", description: "Vous apporterez un soutien scolaire aux élèves." }));
  engine.upsert(doc("org", { title: "Accueil", organizationName: "Les Bénévoles du Jardin" }));
  engine.upsert(doc("city", { title: "Distribution", addresses: [{ city: "Évry-Courcouronnes", departmentName: "Essonne", departmentCode: "91", country: "FR", lat: null, lon: null }] }));
  engine.upsert(doc("activity", { title: "Activités sportives", description: "une activité par semaine", domain: "sport" }));
  engine.upsert(doc("soutien", { title: "Soutien aux familles" }));

  it("searches title, description, organisation name and cities", () => {
    expect(found(engine, "scolaire")).toEqual(["desc", "title"]);
    expect(found(engine, "devoirs")).toEqual(["title"]);
    expect(found(engine, "jardin")).toEqual(["org"]);
    expect(found(engine, "courcouronnes")).toEqual(["city"]);
    expect(found(engine, "sportive")).toEqual(["activity"]);
    // The domain ("sport") is not searched; the stemmer keeps "sportiv" apart from "sport".
    expect(found(engine, "sport")).toEqual([]);
  });

  it("is case and accent-insensitive, with stemming", () => {
    expect(found(engine, "BENEVOLE")).toEqual(["org"]);
    expect(found(engine, "Évry")).toEqual(["city"]);
    expect(found(engine, "evry")).toEqual(["city"]);
    expect(found(engine, "eleve")).toEqual(["desc"]);
    expect(found(engine, "activite")).toEqual(["activity"]);
    expect(found(engine, "ACTIVITÉS")).toEqual(["activity"]);
    expect(found(engine, "collégien")).toEqual(["title"]);
  });

  it("requires every word (AND)", () => {
    expect(found(engine, "soutien scolaire")).toEqual(["desc", "title"]);
    expect(found(engine, "soutien familles")).toEqual(["soutien"]);
    expect(found(engine, "soutien inexistant")).toEqual([]);
    expect(found(engine, "zzz")).toEqual([]);
  });

  it("ignores stop words; a query of stop words only matches everything, without scores", () => {
    expect(found(engine, "le soutien des familles")).toEqual(["soutien"]);
    const all = search(engine, "les des à");
    expect(all.total).toBe(6);
    expect(all.hits.every((h) => h.score === undefined)).toBe(true);
    expect(search(engine, "   ").total).toBe(6);
  });

  it("orders by relevance: title match before a description-only match", () => {
    const r = search(engine, "soutien scolaire", { sort: "relevance" });
    expect(r.hits.map((h) => h.id)).toEqual(["title", "desc"]);
    expect(r.hits[0]!.score!).toBeGreaterThan(r.hits[1]!.score!);
    expect(r.hits[1]!.score!).toBeGreaterThan(0);
    // Without sort=relevance, the order is startAt's (here: id), with scores still given.
    const byStart = search(engine, "soutien scolaire");
    expect(byStart.hits.map((h) => h.id)).toEqual(["desc", "title"]);
    expect(byStart.hits.every((h) => typeof h.score === "number" && h.score > 0)).toBe(true);
  });

  it("ranks title > organisation/city > description", () => {
    const e = new SearchEngine();
    e.upsert(doc("d", { description: "Atelier de peinture pour les enfants du quartier le samedi matin" }));
    e.upsert(doc("o", { title: "Atelier", organizationName: "Peinture et Partage" }));
    e.upsert(doc("t", { title: "Peinture murale", description: "Atelier" }));
    expect(search(e, "peinture", { sort: "relevance" }).hits.map((h) => h.id)).toEqual(["t", "o", "d"]);
    // A document repeating the word in a long description still ranks below a title match.
    e.upsert(doc("rep", { description: "peinture ".repeat(40) + "et bien d'autres choses encore à découvrir ensemble" }));
    const ranked = search(e, "peinture", { sort: "relevance" }).hits.map((h) => h.id);
    expect(ranked.indexOf("t")).toBeLessThan(ranked.indexOf("rep"));
  });

  it("breaks relevance ties with the startAt order", () => {
    const e = new SearchEngine();
    e.upsert(doc("a", { title: "Collecte alimentaire", startAt: 1 }));
    e.upsert(doc("b", { title: "Collecte alimentaire", startAt: 3 }));
    e.upsert(doc("c", { title: "Collecte alimentaire", startAt: null }));
    const r = search(e, "collecte", { sort: "relevance" });
    expect(r.hits.map((h) => h.id)).toEqual(["c", "b", "a"]);
    expect(new Set(r.hits.map((h) => h.score)).size).toBe(1);
  });

  it("forgets the words of replaced and removed documents", () => {
    const e = new SearchEngine();
    e.upsert(doc("x", { title: "Randonnée en montagne" }));
    expect(found(e, "montagne")).toEqual(["x"]);
    e.upsert(doc("x", { title: "Balade en forêt" }));
    expect(found(e, "montagne")).toEqual([]);
    expect(found(e, "foret")).toEqual(["x"]);
    e.remove("x");
    expect(found(e, "foret")).toEqual([]);
    e.compact();
    e.upsert(doc("y", { title: "Forêt domaniale" }));
    expect(found(e, "forêts")).toEqual(["y"]);
  });
});

describe("frenchStem", () => {
  it("gives the stems of the Snowball reference implementation (snowball-stemmers)", () => {
    const reference = (createRequire(import.meta.url)("snowball-stemmers") as { newStemmer(l: string): { stem(w: string): string } }).newStemmer("french");
    const words = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === "string") tokenize(value).forEach((w) => words.add(w));
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === "object") Object.values(value).forEach(collect);
    };
    collect(demoVocabulary);
    collect(ACTIVITIES);
    for (const commune of listCommunesWithCoordinates()) collect(commune.name);
    const natural = words.size;
    // Every suffix of every step, after stems and linking letters that reach each branch.
    const stems = ["command", "particip", "activ", "nation", "bénévol", "éduc", "curios", "cré", "jou", "aqu", "par", "col", "tap", "é", "ai", "oy", "ennu", "inqui", "réal", "gu", "aigu", "appel", "reç", "bay", "essu", "vi", "ya", "quai", "émerv", "sensib", "port", "ind"];
    const links = ["", "s", "t", "g", "at", "ic", "iv", "abil", "eus", "abl", "iqu", "ièr", "a", "e", "i", "u", "é", "gu", "ss"];
    const suffixes = (
      "ance ique isme able iste eux ances iques istes atrice ateur ation atrices ations logie logies usion ution utions ence ences ement ements ité ités if ive ifs ives eaux aux euse euses issement issements amment emment ment ments " +
      "îmes ît îtes i ie ies ir ira irai iraient irais irait iras irent irez iriez irions irons iront is issaient issais issait issant issante issantes issants isse issent isses issez issiez issions issons it " +
      "ions é ée ées és èrent er era erai eraient erais erait eras erez eriez erions erons eront ez iez âmes ât âtes a ai aient ais ait ant ante antes ants as asse assent asses assiez assions " +
      "ion ier ière e ë s es x enn onn ett ell eill enne onne ette elle eille ivement ativement icité abilité ivité icatif ication ièrement eusement ablement iquement èr ère u è ç çon"
    ).split(" ");
    for (const st of stems) for (const link of links) for (const suffix of suffixes) words.add(st + link + suffix);
    expect(natural).toBeGreaterThan(5000);
    const mismatches: string[] = [];
    for (const word of words) {
      const want = reference.stem(word);
      if (frenchStem(word) !== want) mismatches.push(`${word}: ${frenchStem(word)} ≠ ${want}`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(words.size).toBeGreaterThan(80_000);
  });

  it("stems typical words", () => {
    expect(frenchStem("bénévoles")).toBe("bénévol");
    expect(frenchStem("accompagnement")).toBe("accompagn");
    expect(frenchStem("activités")).toBe("activ");
    expect(frenchStem("nationalité")).toBe("national");
    expect(frenchStem("animaux")).toBe("animal");
    expect(frenchStem("jardiner")).toBe("jardin");
  });
});
