/**
 * The French title and message of a warning, written from its stored figures when it is served
 * (pure). Dates are shown in Europe/Paris; the JSON keeps them in UTC.
 */
import { EMPTY_FEED, FEED_ERROR, LOW_ACCEPTANCE, NO_CONVERSION, SUSPECTED_BOT_TRAFFIC } from "./warning-rules.ts";

export interface WarningText {
  title: string;
  message: string;
}

type Details = Record<string, unknown>;

const dateFormat = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });
const dayFormat = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long" });

function date(value: unknown, format = dateFormat): string {
  const at = typeof value === "string" || value instanceof Date ? new Date(value) : null;
  return at && !Number.isNaN(at.getTime()) ? format.format(at) : "date inconnue";
}

const int = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : Number(value ?? 0) || 0);
const count = (value: unknown) => int(value).toLocaleString("fr-FR");
/** "1 mission", "3 missions" (French: 0 and 1 are singular). */
const plural = (value: unknown, one: string, many: string) => `${count(value)} ${int(value) > 1 ? many : one}`;
const text = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);

function emptyFeed(d: Details): WarningText {
  const when = date(d.importedAt);
  const title = "Flux vide";
  if (int(d.received) === 0) {
    return {
      title,
      message: `Le dernier import de votre flux (${when}) n'y a trouvé aucune mission : aucune mission n'est créée ni mise à jour tant qu'il reste vide. Vérifiez que l'adresse du flux renvoie bien vos missions.`,
    };
  }
  return {
    title,
    message:
      `Le dernier import de votre flux (${when}) n'a produit aucune mission : ${plural(d.received, "élément <mission> lu, ignoré", "éléments <mission> lus, tous ignorés")}. ` +
      `Le détail des problèmes est dans GET /v2/imports/${String(d.importId ?? "")}.`,
  };
}

function feedError(d: Details): WarningText {
  const error = text(d.error);
  return {
    title: "Flux en erreur",
    message:
      `Les ${count(d.failures)} derniers imports de votre flux ont échoué (depuis le ${date(d.since)}) : vos missions ne sont plus mises à jour. ` +
      `Dernière erreur (${date(d.lastFailureAt)}) : ${error ? `« ${error} »` : "inconnue"}. Détail : GET /v2/imports/${String(d.importId ?? "")}.`,
  };
}

function lowAcceptance(d: Details): WarningText {
  const accepted = int(d.accepted);
  const share = `${count(d.acceptedPercent)} %, seuil ${count(d.thresholdPercent)} %`;
  const head =
    accepted === 0
      ? `Aucune de vos ${count(d.missions)} missions en ligne n'est acceptée (${share})`
      : `Seule${accepted > 1 ? "s" : ""} ${count(accepted)} de vos ${count(d.missions)} missions en ligne ${accepted > 1 ? "sont acceptées" : "est acceptée"} (${share})`;
  const refused = int(d.refused);
  const rest = `${refused > 1 ? `les ${count(refused)} autres sont refusées` : "l'autre est refusée"} par la modération et ne ${refused > 1 ? "sont" : "est"} pas diffusée${refused > 1 ? "s" : ""}.`;
  const reason = text(d.topRefusalReason);
  return {
    title: "Peu de missions acceptées",
    message: `${head} : ${rest}${reason ? ` Motif le plus fréquent (${plural(d.topRefusalReasonMissions, "mission", "missions")}) : « ${reason} ».` : ""}`,
  };
}

function noConversion(d: Details): WarningText {
  return {
    title: "Aucune candidature enregistrée",
    message:
      `Vos missions ont reçu ${plural(d.clicks, "redirection", "redirections")} en ${plural(d.days, "jour", "jours")} (du ${date(d.since, dayFormat)} au ${date(d.until, dayFormat)}) ` +
      "sans aucune candidature ni création de compte enregistrée : le suivi (jstag.js ou POST /v2/activity) n'est probablement pas installé ou ne fonctionne plus sur votre site.",
  };
}

function suspectedBotTraffic(d: Details): WarningText {
  const many = int(d.suspects) > 1;
  return {
    title: "Trafic suspect (robots probables)",
    message:
      `${plural(d.suspects, "visiteur", "visiteurs")} (même adresse, même navigateur) ${many ? "ont" : "a"} fait ${plural(d.clicks, "clic", "clics")} en ${plural(d.windowHours, "heure", "heures")} sur vos liens ` +
      `sans jamais candidater ni créer de compte (dernier clic le ${date(d.lastClickAt)}) : ${many ? "ce sont probablement des robots" : "c'est probablement un robot"}. ` +
      "Ces clics restent comptés dans vos statistiques tant que l'équipe API Engagement ne les a pas classés comme robots ; vérifiez d'où ils viennent.",
  };
}

const TEXTS: Record<string, (details: Details) => WarningText> = {
  [EMPTY_FEED]: emptyFeed,
  [FEED_ERROR]: feedError,
  [LOW_ACCEPTANCE]: lowAcceptance,
  [NO_CONVERSION]: noConversion,
  [SUSPECTED_BOT_TRAFFIC]: suspectedBotTraffic,
};

/** Title and message of a warning from its type and figures. */
export function describeWarning(type: string, details: Details): WarningText {
  const describe = TEXTS[type];
  return describe ? describe(details) : { title: "Alerte", message: `Alerte de type ${type}.` };
}
