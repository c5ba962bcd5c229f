import { describe, it, expect } from "vitest";
import { activityLabel, activityLabels, parseActivities } from "../../src/taxonomy/activities.ts";
import { DOMAIN_SLUGS, domainLabel, isDomain } from "../../src/taxonomy/domains.ts";

describe("domains", () => {
  it("has the 20 legacy slugs", () => {
    expect(new Set(DOMAIN_SLUGS).size).toBe(20);
    expect(isDomain("education")).toBe(true);
    expect(isDomain("service-public-defense-securite")).toBe(true);
  });

  it("refuses labels, other cases, spaces and non-strings", () => {
    expect(isDomain("Education")).toBe(false);
    expect(isDomain(" education")).toBe(false);
    expect(isDomain("mémoire et citoyenneté")).toBe(false);
    expect(isDomain(undefined)).toBe(false);
    expect(isDomain(12)).toBe(false);
  });

  it("gives French labels, two slugs sharing one", () => {
    expect(domainLabel("education")).toBe("Éducation pour tous");
    expect(domainLabel("autre")).toBe("Interventions d'urgence en cas de crise");
    expect(domainLabel("vivre-ensemble")).toBe("Mémoire et citoyenneté");
    expect(domainLabel("memoire-et-citoyennete")).toBe("Mémoire et citoyenneté");
    expect(domainLabel("inconnu")).toBeNull();
  });
});

describe("parseActivities", () => {
  it('keeps "Animation, Valorisation" as one label', () => {
    expect(parseActivities("Animation, Valorisation")).toEqual(["Animation, Valorisation"]);
    expect(parseActivities(["Animation, Valorisation"])).toEqual(["Animation, Valorisation"]);
  });

  it("splits a comma-separated list of slugs into labels", () => {
    expect(parseActivities("soutien-scolaire,jardinage")).toEqual(["Soutien scolaire", "Jardinage"]);
  });

  it("matches the longest label first, then continues after it", () => {
    expect(parseActivities("Animation, Valorisation, Jardinage, Animation")).toEqual([
      "Animation, Valorisation",
      "Jardinage",
      "Animation",
    ]);
    expect(parseActivities("Prévention, Sensibilisation,Secours, Aide")).toEqual([
      "Prévention, Sensibilisation",
      "Secours, Aide",
    ]);
  });

  it("does not match a label that is only the start of a longer token", () => {
    expect(parseActivities("artisanat")).toEqual(["Autre"]);
    expect(parseActivities("Animation, Valorisations")).toEqual(["Animation", "Autre"]);
  });

  it("ignores case, accents, extra spaces and typographic apostrophes", () => {
    expect(parseActivities("ECOUTE PERMANENCE")).toEqual(["Écoute permanence"]);
    expect(parseActivities("médiation ,  information")).toEqual(["Médiation, Information"]);
    expect(parseActivities("encadrement d’équipes")).toEqual(["Encadrement d'équipes"]);
    expect(parseActivities("Alphabetisation, TACHES-ADMINISTRATIVES")).toEqual([
      "Alphabétisation",
      "Tâches administratives",
    ]);
  });

  it("falls back to the slug of a loosely written token", () => {
    expect(parseActivities("Lutte contre isolement")).toEqual(["Lutte contre l'isolement"]);
    expect(parseActivities("soutien_scolaire")).toEqual(["Soutien scolaire"]);
  });

  it('gives "Autre" for unknown tokens, once', () => {
    expect(parseActivities("astrophysique")).toEqual(["Autre"]);
    expect(parseActivities("jardinage, astrophysique, cuisine")).toEqual(["Jardinage", "Autre"]);
  });

  it("deduplicates labels reached through slug, label or alias", () => {
    expect(parseActivities("sensibilisation, prevention-sensibilisation, Prévention, Sensibilisation")).toEqual([
      "Prévention, Sensibilisation",
    ]);
    expect(parseActivities(["jardinage", "Jardinage", "JARDINAGE,jardinage"])).toEqual(["Jardinage"]);
  });

  it("splits array items that are not a whole slug or label", () => {
    expect(parseActivities(["bricolage, sport", "soutien-scolaire"])).toEqual([
      "Bricolage",
      "Sport",
      "Soutien scolaire",
    ]);
  });

  it("gives [] for empty input", () => {
    expect(parseActivities(null)).toEqual([]);
    expect(parseActivities(undefined)).toEqual([]);
    expect(parseActivities("")).toEqual([]);
    expect(parseActivities(" , ,")).toEqual([]);
    expect(parseActivities(["", "  "])).toEqual([]);
  });
});

describe("activityLabels / activityLabel", () => {
  it("lists each label once", () => {
    const labels = activityLabels();
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain("Prévention, Sensibilisation");
    expect(labels).toContain("Autre");
    expect(labels.filter((l) => l === "Prévention, Sensibilisation")).toHaveLength(1);
  });

  it("maps one whole slug or label, without splitting", () => {
    expect(activityLabel("gestion-ressources-humaines")).toBe("Gestion des ressources humaines");
    expect(activityLabel("Restauration, hôtellerie")).toBe("Restauration, hôtellerie");
    expect(activityLabel("jardinage, sport")).toBeNull();
    expect(activityLabel("")).toBeNull();
  });
});
