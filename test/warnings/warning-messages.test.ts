/** The French title and message of each warning type, from its figures (pure). */
import { describe, expect, it } from "vitest";
import { describeWarning } from "../../src/warnings/warning-messages.ts";

describe("describeWarning", () => {
  it("empty_feed: an empty feed, or a feed whose missions were all skipped", () => {
    expect(describeWarning("empty_feed", { importId: "i-1", importedAt: "2040-01-13T11:01:00.000Z", received: 0, skipped: 0, missions: 0 })).toEqual({
      title: "Flux vide",
      message:
        "Le dernier import de votre flux (13 janvier 2040 à 12:01) n'y a trouvé aucune mission : aucune mission n'est créée ni mise à jour tant qu'il reste vide. Vérifiez que l'adresse du flux renvoie bien vos missions.",
    });
    expect(describeWarning("empty_feed", { importId: "i-2", importedAt: "2040-07-01T08:00:00.000Z", received: 4, skipped: 4, missions: 0 }).message).toBe(
      "Le dernier import de votre flux (1 juillet 2040 à 10:00) n'a produit aucune mission : 4 éléments <mission> lus, tous ignorés. Le détail des problèmes est dans GET /v2/imports/i-2.",
    );
  });

  it("feed_error: failures, since when, the last error", () => {
    const text = describeWarning("feed_error", {
      failures: 4,
      threshold: 3,
      since: "2040-01-13T07:00:00.000Z",
      lastFailureAt: "2040-01-13T13:30:00.000Z",
      importId: "i-9",
      errorCode: "TIMEOUT",
      error: "Le flux n'a pas répondu en 10 secondes",
    });
    expect(text).toEqual({
      title: "Flux en erreur",
      message:
        "Les 4 derniers imports de votre flux ont échoué (depuis le 13 janvier 2040 à 08:00) : vos missions ne sont plus mises à jour. Dernière erreur (13 janvier 2040 à 14:30) : « Le flux n'a pas répondu en 10 secondes ». Détail : GET /v2/imports/i-9.",
    });
    expect(describeWarning("feed_error", { failures: 3, error: null }).message).toContain("Dernière erreur (date inconnue) : inconnue.");
  });

  it("low_acceptance: the share, the threshold, the most frequent reason", () => {
    expect(
      describeWarning("low_acceptance", { missions: 20, accepted: 9, refused: 11, acceptedPercent: 45, thresholdPercent: 50, topRefusalReason: "Le titre est trop court (1 seul mot)", topRefusalReasonMissions: 11 }),
    ).toEqual({
      title: "Peu de missions acceptées",
      message:
        "Seules 9 de vos 20 missions en ligne sont acceptées (45 %, seuil 50 %) : les 11 autres sont refusées par la modération et ne sont pas diffusées. Motif le plus fréquent (11 missions) : « Le titre est trop court (1 seul mot) ».",
    });
    expect(describeWarning("low_acceptance", { missions: 1200, accepted: 0, refused: 1200, acceptedPercent: 0, thresholdPercent: 50, topRefusalReason: null }).message).toBe(
      "Aucune de vos 1\u202f200 missions en ligne n'est acceptée (0 %, seuil 50 %) : les 1\u202f200 autres sont refusées par la modération et ne sont pas diffusées.",
    );
    expect(describeWarning("low_acceptance", { missions: 25, accepted: 1, refused: 24, acceptedPercent: 4, thresholdPercent: 50 }).message).toMatch(/^Seule 1 de vos 25 missions en ligne est acceptée/);
  });

  it("no_conversion: redirections over the period, no conversion", () => {
    expect(describeWarning("no_conversion", { clicks: 312, conversions: 0, days: 7, since: "2040-01-06T12:00:00.000Z", until: "2040-01-13T12:00:00.000Z" })).toEqual({
      title: "Aucune candidature enregistrée",
      message:
        "Vos missions ont reçu 312 redirections en 7 jours (du 6 janvier 2040 au 13 janvier 2040) sans aucune candidature ni création de compte enregistrée : le suivi (jstag.js ou POST /v2/activity) n'est probablement pas installé ou ne fonctionne plus sur votre site.",
    });
  });

  it("suspected_bot_traffic: visitors and clicks, singular and plural", () => {
    const two = describeWarning("suspected_bot_traffic", { suspects: 2, clicks: 450, windowHours: 24, lastClickAt: "2040-01-13T10:48:00.000Z" });
    expect(two.title).toBe("Trafic suspect (robots probables)");
    expect(two.message).toMatch(/^2 visiteurs \(même adresse, même navigateur\) ont fait 450 clics en 24 heures sur vos liens sans jamais candidater ni créer de compte \(dernier clic le 13 janvier 2040 à 11:48\) : ce sont probablement des robots\./);
    expect(describeWarning("suspected_bot_traffic", { suspects: 1, clicks: 210, windowHours: 24 }).message).toMatch(/^1 visiteur \(même adresse, même navigateur\) a fait 210 clics .* c'est probablement un robot\./);
  });

  it("an unknown type still has a title", () => {
    expect(describeWarning("autre_chose", {})).toEqual({ title: "Alerte", message: "Alerte de type autre_chose." });
  });
});
