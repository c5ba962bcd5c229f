import { describe, it, expect } from "vitest";
import {
  MAX_DESCRIPTION_LENGTH,
  MODERATION_RULES,
  moderate,
  type ModerationInput,
} from "../../src/missions/rules/moderation.ts";

const COUNTRIES = new Set(["FR", "BE", "CH", "DE"]);
const ctx = { isCountryCode: (c: string) => COUNTRIES.has(c) };

/** A mission that passes every rule; each test breaks one field. */
const valid: ModerationInput = {
  title: "Aide aux devoirs pour collégiens",
  clientId: "MIS-001",
  description: "Accompagner des élèves de la 6e à la 3e.",
  applicationUrl: "https://example.org/missions/1",
  country: "FR",
  remote: "no",
  places: 3,
  domain: "education",
  organizationName: "Asso Exemple",
  compensationAmount: 100,
  compensationAmountMax: 200,
  compensationUnit: "month",
  compensationType: "gross",
};

function refusedWith(patch: Partial<ModerationInput>): string {
  const result = moderate({ ...valid, ...patch }, ctx);
  expect(result.statusCode).toBe("REFUSED");
  return result.statusComment;
}

describe("moderate", () => {
  it("accepts a complete mission with an empty comment", () => {
    expect(moderate(valid, ctx)).toEqual({ statusCode: "ACCEPTED", statusComment: "" });
  });

  it("accepts a minimal mission without optional fields", () => {
    const result = moderate(
      { title: "Deux mots", clientId: "1", description: "x", applicationUrl: "https://a.fr" },
      ctx,
    );
    expect(result).toEqual({ statusCode: "ACCEPTED", statusComment: "" });
  });

  it("rule 1: missing, empty or blank title", () => {
    expect(refusedWith({ title: "" })).toBe("Titre manquant");
    expect(refusedWith({ title: " " })).toBe("Titre manquant");
    expect(refusedWith({ title: null })).toBe("Titre manquant");
    expect(refusedWith({ title: undefined })).toBe("Titre manquant");
  });

  it("rule 2: encoding problem in the title", () => {
    expect(refusedWith({ title: "Aide &#233;ducative" })).toBe("Problème d'encodage dans le titre");
  });

  it("rule 3: single-word title, counted after trimming", () => {
    expect(refusedWith({ title: "Jardinage" })).toBe("Le titre est trop court (1 seul mot)");
    expect(refusedWith({ title: "  Jardinage  " })).toBe("Le titre est trop court (1 seul mot)");
    expect(moderate({ ...valid, title: "Jardinage partagé" }, ctx).statusCode).toBe("ACCEPTED");
  });

  it("rule 4: missing clientId", () => {
    expect(refusedWith({ clientId: "" })).toBe("ClientId manquant");
    expect(refusedWith({ clientId: null })).toBe("ClientId manquant");
  });

  it("rule 5: missing description", () => {
    expect(refusedWith({ description: "" })).toBe("Description manquante");
    expect(refusedWith({ description: "  \n " })).toBe("Description manquante");
    expect(refusedWith({ description: undefined })).toBe("Description manquante");
  });

  it("rule 6: encoding problem in the description", () => {
    expect(refusedWith({ description: "Caf&#233; solidaire" })).toBe("Problème d'encodage dans la description");
  });

  it("rule 7: description over 20 000 characters is truncated to exactly 20 000 and refused", () => {
    const long = "a".repeat(MAX_DESCRIPTION_LENGTH + 5);
    const result = moderate({ ...valid, description: long }, ctx);
    expect(result.statusCode).toBe("REFUSED");
    expect(result.statusComment).toBe("La description est trop longue (plus de 20000 caractères)");
    expect(result.description).toHaveLength(20_000);
    expect(result.description).toBe(long.slice(0, 20_000));
  });

  it("rule 7: exactly 20 000 characters is accepted and not returned", () => {
    const result = moderate({ ...valid, description: "b".repeat(20_000) }, ctx);
    expect(result.statusCode).toBe("ACCEPTED");
    expect(result.description).toBeUndefined();
  });

  it("rule 7: counts code points and never splits an emoji", () => {
    const emojis = "😀".repeat(20_000); // 40 000 UTF-16 units, 20 000 characters
    expect(moderate({ ...valid, description: emojis }, ctx).statusCode).toBe("ACCEPTED");
    const result = moderate({ ...valid, description: emojis + "😀" }, ctx);
    expect(result.statusComment).toBe("La description est trop longue (plus de 20000 caractères)");
    expect([...(result.description ?? "")]).toHaveLength(20_000);
    expect(result.description).toBe(emojis);
  });

  it("rule 7: the description is truncated even when an earlier rule is reported", () => {
    const result = moderate({ ...valid, title: "", description: "c".repeat(25_000) }, ctx);
    expect(result.statusComment).toBe("Titre manquant");
    expect(result.description).toHaveLength(20_000);
  });

  it("rule 8: missing applicationUrl", () => {
    expect(refusedWith({ applicationUrl: "" })).toBe("URL de candidature manquant");
    expect(refusedWith({ applicationUrl: null })).toBe("URL de candidature manquant");
  });

  it("rule 9: country not an ISO 3166-1 alpha-2 code, quoted in the message", () => {
    expect(refusedWith({ country: "France" })).toBe('Pays non valide : "France"');
    expect(refusedWith({ country: "ZZ" })).toBe('Pays non valide : "ZZ"');
    expect(moderate({ ...valid, country: "BE" }, ctx).statusCode).toBe("ACCEPTED");
    expect(moderate({ ...valid, country: null }, ctx).statusCode).toBe("ACCEPTED");
  });

  it("rule 10: remote outside no/possible/full/local", () => {
    expect(refusedWith({ remote: "parfois" })).toBe("Valeur remote non valide (no, possible, full ou local)");
    for (const remote of ["no", "possible", "full", "local"]) {
      expect(moderate({ ...valid, remote }, ctx).statusCode).toBe("ACCEPTED");
    }
  });

  it("rule 11: places zero, negative or NaN", () => {
    expect(refusedWith({ places: 0 })).toBe("Nombre de places invalide (doit être supérieur à 0)");
    expect(refusedWith({ places: -2 })).toBe("Nombre de places invalide (doit être supérieur à 0)");
    expect(refusedWith({ places: Number.NaN })).toBe("Nombre de places invalide (doit être supérieur à 0)");
    expect(moderate({ ...valid, places: null }, ctx).statusCode).toBe("ACCEPTED");
  });

  it("rule 12: domain outside the 20 slugs, quoted in the message", () => {
    expect(refusedWith({ domain: "mémoire et citoyenneté" })).toBe('Domaine non valide : "mémoire et citoyenneté"');
    expect(refusedWith({ domain: "Education" })).toBe('Domaine non valide : "Education"');
    expect(moderate({ ...valid, domain: "vivre-ensemble" }, ctx).statusCode).toBe("ACCEPTED");
  });

  it("rule 13: encoding problem in the organisation name", () => {
    expect(refusedWith({ organizationName: "Les Restos du C&#339;ur" })).toBe(
      "Problème d'encodage dans le nom de l'organisation",
    );
  });

  it("rule 14: negative compensation amount", () => {
    expect(refusedWith({ compensationAmount: -1, compensationAmountMax: null })).toBe(
      "Montant de la compensation invalide (nombre positif attendu)",
    );
  });

  it("rule 15: negative maximum compensation amount", () => {
    expect(refusedWith({ compensationAmount: null, compensationAmountMax: -5 })).toBe(
      "Montant maximum de la compensation invalide (nombre positif attendu)",
    );
  });

  it("rule 16: maximum below minimum", () => {
    expect(refusedWith({ compensationAmount: 300, compensationAmountMax: 200 })).toBe(
      "Le montant maximum de la compensation doit être supérieur ou égal au montant minimum",
    );
    expect(moderate({ ...valid, compensationAmount: 200, compensationAmountMax: 200 }, ctx).statusCode).toBe(
      "ACCEPTED",
    );
  });

  it("rule 17: compensation unit outside hour/day/month/year", () => {
    expect(refusedWith({ compensationUnit: "week" })).toBe("Unité de compensation invalide (hour, day, month, year)");
  });

  it("rule 18: compensation type outside gross/net", () => {
    expect(refusedWith({ compensationType: "brut" })).toBe("Type de compensation invalide (gross, net)");
  });

  it("the first failing rule wins when several fail", () => {
    expect(refusedWith({ title: "Jardinage", clientId: "" })).toBe("Le titre est trop court (1 seul mot)");
    expect(refusedWith({ description: "", applicationUrl: "" })).toBe("Description manquante");
    expect(refusedWith({ country: "XX", domain: "nope" })).toBe('Pays non valide : "XX"');
    expect(refusedWith({ compensationType: "brut", compensationUnit: "week" })).toBe(
      "Unité de compensation invalide (hour, day, month, year)",
    );
    expect(refusedWith({ compensationAmount: -1, compensationAmountMax: -2 })).toBe(
      "Montant de la compensation invalide (nombre positif attendu)",
    );
  });

  it("MODERATION_RULES lists the 18 rules in legacy order", () => {
    expect(MODERATION_RULES.map((r) => r.id)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });
});
