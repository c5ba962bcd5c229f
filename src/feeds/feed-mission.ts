/**
 * One `<mission>` element of a feed → a normalised mission, its addresses, its organisation, its
 * moderation verdict and the problems to report to the annonceur. Pure, no I/O, never throws.
 *
 * The values go through the same normalisers and the same moderation as the JSON API
 * (`draftPatch`, `organizationFromInput`, `moderateDraft`), so a mission reads the same whichever
 * way it arrives. Deliberate differences with the legacy importer (see the reference, §2.3 and §3.8):
 * - text stays text: `<clientId>00123</clientId>`, postal codes and SIRENs keep their leading zeros;
 * - a missing or numeric title is not a silent skip: moderation refuses the mission ("Titre manquant",
 *   "Le titre est trop court (1 seul mot)");
 * - dates are read day/month by default (`FeedSettings.dateOrder`), Unix seconds are understood, and
 *   an unreadable date is reported as a warning;
 * - `oui`/`non` are understood; an unknown boolean is null (with a warning), not false;
 * - an unknown `remote` or `compensationUnit` is refused by moderation instead of being replaced;
 * - a French domain label ("Environnement") is turned into its slug;
 * - a value that would break a column (fractional places, non-numeric amounts or coordinates) is
 *   refused or ignored with a message, never written.
 */
import { addressDrafts, type AddressDraft, moderateDraft } from "../missions/publish.ts";
import { ORGANIZATION_TEXT_FIELDS, type OrganizationPatch } from "../missions/organization-input.ts";
import {
  MSG_APPLICATION_URL_MISSING,
  MSG_CLIENT_ID_MISSING,
  MSG_COMPENSATION_AMOUNT_INVALID,
  MSG_COMPENSATION_AMOUNT_MAX_INVALID,
  MSG_COMPENSATION_MAX_BELOW_MIN,
  MSG_COMPENSATION_TYPE_INVALID,
  MSG_COMPENSATION_UNIT_INVALID,
  MSG_DESCRIPTION_ENCODING,
  MSG_DESCRIPTION_MISSING,
  MSG_DESCRIPTION_TOO_LONG,
  MSG_ORGANIZATION_NAME_ENCODING,
  MSG_PLACES_INVALID,
  MSG_REMOTE_INVALID,
  MSG_TITLE_ENCODING,
  MSG_TITLE_MISSING,
  MSG_TITLE_ONE_WORD,
  msgInvalidCountry,
  msgInvalidDomain,
} from "../missions/rules/moderation.ts";
import {
  cleanStringList,
  normalizeCompensationType,
  normalizeCompensationUnit,
  normalizeRemote,
  parseBoolean,
} from "../missions/rules/normalize.ts";
import {
  deriveOrganizationClientId,
  normalizeRna,
  normalizeSiren,
  organizationIdentifiers,
} from "../missions/rules/organization.ts";
import { describe, escapeHtml } from "../missions/rules/text.ts";
import type { AddressInput } from "../places/address.ts";
import { parseActivities } from "../taxonomy/activities.ts";
import { DOMAIN_LABELS, DOMAIN_SLUGS, type DomainSlug, isDomain } from "../taxonomy/domains.ts";
import { foldText, slugify } from "../taxonomy/slug.ts";
import { parseMissionDate } from "../missions/rules/dates.ts";
import {
  type Coordinates,
  childElement,
  childElements,
  findElement,
  findRawList,
  hasContent,
  ownText,
  parseDecimal,
  parseInteger,
  parseLatLonPair,
  parseLatLonTexts,
  parseLonlatHeuristic,
  quote,
  textOrNull,
} from "./feed-values.ts";
import type { FeedDraft, FeedProblem, FeedSettings, NormalizeResult, ProblemOutcome, XmlElement } from "./types.ts";

/** Longest clientId accepted (same limit as the JSON API). */
export const MAX_CLIENT_ID_LENGTH = 200;

export const MSG_CLIENT_ID_REQUIRED = "clientId manquant : la mission ne peut pas être identifiée ; ajoutez <clientId>";
export const MSG_OVERSIZED = "Mission trop volumineuse (plus de 1 Mo) : ignorée ; allégez sa description";
export const MSG_ORGANIZATION_UNIDENTIFIED =
  "Organisation non identifiable : renseignez organizationClientId, organizationRNA, organizationSiren ou organizationName";
export const msgClientIdTooLong = (length: number): string =>
  `clientId trop long (${length} caractères, ${MAX_CLIENT_ID_LENGTH} au plus) : la mission ne peut pas être identifiée`;
export const msgUnreadableDate = (field: string, text: string, reason: string): string =>
  `Date illisible pour ${field} : ${quote(text)} ; ${reason}`;
export const msgUnknownBoolean = (field: string, text: string): string =>
  `Valeur ${quote(text)} non comprise pour ${field} : attendu yes ou no (oui ou non)`;

/** Trimmed text of `<clientId>`, or `null` when it is missing or blank. Never turned into a number. */
export function feedClientId(el: XmlElement): string | null {
  try {
    const text = ownText(findElement(el, ["clientId"]));
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

/** Feed element named in a refusal, by moderation message. */
const FIELD_BY_MESSAGE: ReadonlyMap<string, string> = new Map([
  [MSG_TITLE_MISSING, "title"],
  [MSG_TITLE_ENCODING, "title"],
  [MSG_TITLE_ONE_WORD, "title"],
  [MSG_CLIENT_ID_MISSING, "clientId"],
  [MSG_DESCRIPTION_MISSING, "description"],
  [MSG_DESCRIPTION_ENCODING, "description"],
  [MSG_DESCRIPTION_TOO_LONG, "description"],
  [MSG_APPLICATION_URL_MISSING, "applicationUrl"],
  [MSG_REMOTE_INVALID, "remote"],
  [MSG_PLACES_INVALID, "places"],
  [MSG_ORGANIZATION_NAME_ENCODING, "organizationName"],
  [MSG_COMPENSATION_AMOUNT_INVALID, "compensationAmount"],
  [MSG_COMPENSATION_AMOUNT_MAX_INVALID, "compensationAmountMax"],
  [MSG_COMPENSATION_MAX_BELOW_MIN, "compensationAmountMax"],
  [MSG_COMPENSATION_UNIT_INVALID, "compensationUnit"],
  [MSG_COMPENSATION_TYPE_INVALID, "compensationType"],
]);

/** Domain slug by folded French label (the first slug wins for a shared label). */
const DOMAIN_BY_LABEL: ReadonlyMap<string, DomainSlug> = (() => {
  const map = new Map<string, DomainSlug>();
  for (const slug of DOMAIN_SLUGS) {
    const key = foldText(DOMAIN_LABELS[slug]);
    if (!map.has(key)) map.set(key, slug);
  }
  return map;
})();

/**
 * `<domain>`: trimmed and lower-cased; a French label ("Éducation pour tous", any case or accents)
 * or a slug written with spaces ("culture loisirs") becomes its slug; anything else is kept as
 * given so that moderation refuses it (`Domaine non valide : "x"`).
 */
export function resolveDomain(text: string | null): string | null {
  if (text === null) return null;
  const value = text.trim().toLowerCase();
  if (value === "") return null;
  if (isDomain(value)) return value;
  const byLabel = DOMAIN_BY_LABEL.get(foldText(value));
  if (byLabel) return byLabel;
  const slug = slugify(value);
  return isDomain(slug) ? slug : value;
}

/** Rebuilds markup from parsed elements (a description sent without CDATA). */
function serialize(el: XmlElement): string {
  const children = Array.isArray(el.children) ? el.children : [];
  const inner = escapeHtml(ownText(el)) + children.map(serialize).join("");
  return `<${el.name}>${inner}</${el.name}>`;
}

/** Feed → reader for one mission, collecting the problems as it goes. */
class MissionReader {
  readonly problems: FeedProblem[] = [];
  clientId: string | null = null;

  constructor(
    readonly el: XmlElement,
    readonly settings: FeedSettings,
  ) {}

  line(at?: XmlElement): number | null {
    const line = at?.line ?? this.el.line;
    return typeof line === "number" && Number.isFinite(line) ? line : null;
  }

  report(outcome: ProblemOutcome, field: string | null, message: string, at?: XmlElement): void {
    this.problems.push({ clientId: this.clientId, line: this.line(at), field, message, outcome });
  }

  find(...names: string[]): XmlElement | undefined {
    return findElement(this.el, names);
  }

  text(...names: string[]): string | null {
    return textOrNull(this.el, names);
  }

  list(...names: string[]): string[] {
    return cleanStringList(findRawList(this.el, names)?.value ?? []);
  }

  date(name: string): Date | null {
    const el = this.find(name);
    const text = ownText(el);
    const result = parseMissionDate(text, this.settings.dateOrder);
    if (result === null) return null;
    if (result.ok) return result.date;
    this.report("warning", name, msgUnreadableDate(name, text, result.message), el);
    return null;
  }

  boolean(name: string): boolean | null {
    const el = this.find(name);
    const text = ownText(el);
    if (text === "") return null;
    const value = parseBoolean(text);
    if (value === null) this.report("warning", name, msgUnknownBoolean(name, text), el);
    return value;
  }

  /** Description HTML: the element's text (CDATA), or its child elements rebuilt when sent without CDATA. */
  descriptionSource(): string {
    const el = this.find("description");
    if (!el) return "";
    const text = ownText(el);
    const children = el.children ?? [];
    if (children.length === 0) return text;
    if (text === "") return children.map(serialize).join("");
    this.report(
      "warning",
      "description",
      "Description en HTML non protégé : sa mise en forme a pu être perdue ; entourez-la de <![CDATA[ … ]]>",
      el,
    );
    return text + children.map(serialize).join("");
  }

  /** Coordinates of a `<location>` with `<lat>` and `<lon>`; a warning when given but unusable. */
  location(parent: XmlElement | undefined): Coordinates | null {
    const loc = childElement(parent, "location");
    if (!hasContent(loc)) return null;
    const lat = textOrNull(loc, ["lat"]);
    const lon = textOrNull(loc, ["lon"]);
    const point = parseLatLonTexts(lat, lon);
    if (!point) {
      this.report("warning", "location", msgBadCoordinates("location", `lat ${lat ?? "?"}, lon ${lon ?? "?"}`), loc);
    }
    return point;
  }

  /** One pair element (`lonlat`, `lonLat`), or null with a warning when unusable. */
  pair(name: "lonlat" | "lonLat"): Coordinates | null {
    const el = this.find(name);
    const text = ownText(el);
    if (text === "") return null;
    const point = name === "lonlat" ? parseLonlatHeuristic(text) : parseLatLonPair(text);
    if (!point) this.report("warning", name, msgBadCoordinates(name, text), el);
    return point;
  }

  addressInputs(): { inputs: AddressInput[]; countryElement: XmlElement | undefined } {
    const container = this.find("addresses");
    const multi = childElements(container, "address").filter(hasContent);
    if (multi.length > 0) {
      const inputs = multi.map((a) => {
        const point = this.location(a);
        return {
          street: textOrNull(a, ["street"]),
          city: textOrNull(a, ["city"]),
          postalCode: textOrNull(a, ["postalCode"]),
          departmentCode: textOrNull(a, ["departmentCode"]),
          departmentName: textOrNull(a, ["departmentName"]),
          region: textOrNull(a, ["region"]),
          country: textOrNull(a, ["country", "countryCode"]),
          location: point,
        };
      });
      return { inputs, countryElement: findElement(multi[0], ["country", "countryCode"]) };
    }

    const point = this.pair("lonlat") ?? this.pair("lonLat") ?? this.location(this.el);
    const flat: AddressInput = {
      street: this.text("address", "adresse"),
      city: this.text("city"),
      postalCode: this.text("postalCode"),
      departmentCode: this.text("departmentCode"),
      departmentName: this.text("departmentName"),
      region: this.text("region"),
      country: this.text("country", "countryCode"),
      location: point,
    };
    const empty = Object.values(flat).every((v) => v === null);
    return { inputs: empty ? [] : [flat], countryElement: this.find("country", "countryCode") };
  }
}

function msgBadCoordinates(field: string, text: string): string {
  return (
    `Coordonnées illisibles pour ${field} : ${quote(text)} ; latitude entre -90 et 90 et longitude entre -180 et 180 ` +
    "attendues (nombres avec un point décimal) ; coordonnées ignorées, le lieu est situé d'après la commune"
  );
}

function normalize(el: XmlElement, settings: FeedSettings): NormalizeResult {
  const r = new MissionReader(el, settings);

  if (el.oversized) {
    r.clientId = feedClientId(el);
    r.report("skipped", null, MSG_OVERSIZED);
    return { kind: "skipped", clientId: r.clientId, problems: r.problems };
  }

  const clientIdElement = r.find("clientId");
  const clientId = feedClientId(el);
  if (clientId === null) {
    r.report("skipped", "clientId", MSG_CLIENT_ID_REQUIRED, clientIdElement);
    return { kind: "skipped", clientId: null, problems: r.problems };
  }
  const clientIdLength = [...clientId].length;
  if (clientIdLength > MAX_CLIENT_ID_LENGTH) {
    r.report("skipped", "clientId", msgClientIdTooLong(clientIdLength), clientIdElement);
    return { kind: "skipped", clientId: null, problems: r.problems };
  }
  r.clientId = clientId;

  // ── Organisation: identified first, since a mission without one is skipped ──────────────────
  const organizationName = r.text("organizationName");
  const rnaElement = r.find("organizationRNA", "organizationRna");
  const rnaText = ownText(rnaElement) || null;
  const sirenElement = r.find("organizationSiren");
  const sirenText = ownText(sirenElement) || null;
  const siretElement = r.find("organizationSiret");
  const siretText = ownText(siretElement) || null;
  const identifierChecks = [
    [rnaText, rnaElement, rnaElement?.name ?? "organizationRNA", (v: string) => normalizeRna(v) !== null, "RNA invalide", "W suivi de 9 chiffres ou lettres attendu"],
    [sirenText, sirenElement, "organizationSiren", (v: string) => normalizeSiren(v).siren !== null, "SIREN invalide", "9 chiffres attendus (14 pour un SIRET)"],
    [siretText, siretElement, "organizationSiret", (v: string) => normalizeSiren(v).siren !== null, "SIRET invalide", "14 chiffres attendus (9 pour un SIREN)"],
  ] as const;
  for (const [value, element, field, valid, label, expected] of identifierChecks) {
    if (value !== null && !valid(value)) r.report("warning", field, `${label} ${quote(value)} : ${expected} ; valeur ignorée`, element);
  }
  const identifiers = {
    organizationClientId: r.text("organizationClientId"),
    organizationId: r.text("organizationId"),
    organizationRNA: rnaText,
    organizationSiren: sirenText,
    organizationSiret: siretText,
    organizationName,
  };
  const organizationClientId = deriveOrganizationClientId(identifiers);
  if (organizationClientId === null) {
    r.report("skipped", "organizationClientId", MSG_ORGANIZATION_UNIDENTIFIED, r.find("organizationClientId", "organizationName"));
    return { kind: "skipped", clientId, problems: r.problems };
  }
  const { rna, siren, siret } = organizationIdentifiers(identifiers);
  const reseaux = r.list("organizationReseaux");
  const parentName = r.text("parentOrganizationName");
  const texts = Object.fromEntries(ORGANIZATION_TEXT_FIELDS.map(([column, element]) => [column, r.text(element)])) as Record<
    (typeof ORGANIZATION_TEXT_FIELDS)[number][0],
    string | null
  >;
  const organization: Required<OrganizationPatch> = {
    ...texts,
    name: organizationName,
    rna,
    siren,
    siret,
    logo: texts.logo ?? settings.defaultOrganizationLogo ?? null,
    actions: r.list("keyActions"),
    beneficiaries: r.list("organizationBeneficiaries", "organizationBeneficiaires", "publicBeneficiaries", "publicsBeneficiaires"),
    parent_organizations: reseaux.length > 0 ? reseaux : parentName !== null ? [parentName] : [],
  };

  // ── Mission columns, as draftPatch fills them for the API ────────────────────────────────────
  const { description, descriptionHtml } = describe(r.descriptionSource());

  const remoteElement = r.find("remote");
  const remote = remoteElement ? normalizeRemote(ownText(remoteElement)) : null;

  const activitiesList = findRawList(el, ["activity", "activities"]);

  // places: missing, empty or 0 → 1 given by the API; a negative number is kept for moderation to
  // refuse; an unreadable one is refused too (NaN for moderation) but never written (integer column).
  const placesElement = r.find("places");
  const placesText = ownText(placesElement);
  const placesValue = parseInteger(placesText);
  let places: number | null = 1;
  let placesForModeration: number | null = 1;
  let placesStatus: FeedDraft["places_status"] = "ATTRIBUTED_BY_API";
  if (placesValue !== null && placesValue !== 0) {
    placesStatus = "GIVEN_BY_PARTNER";
    if (Number.isNaN(placesValue)) {
      if (settings.skipModeration) {
        placesStatus = "ATTRIBUTED_BY_API";
        r.report("warning", "places", `Nombre de places illisible ${quote(placesText)} : nombre entier attendu ; valeur ignorée (1 place)`, placesElement);
      } else {
        places = null;
        placesForModeration = Number.NaN;
      }
    } else {
      places = placesValue;
      placesForModeration = placesValue;
    }
  }

  const snuPlacesElement = r.find("snuPlaces");
  const snuPlacesText = ownText(snuPlacesElement);
  const snuPlacesValue = parseInteger(snuPlacesText);
  let snuPlaces: number | null = null;
  if (snuPlacesValue !== null) {
    if (Number.isNaN(snuPlacesValue) || snuPlacesValue < 0) {
      r.report(
        "warning",
        "snuPlaces",
        `Nombre de places SNU invalide ${quote(snuPlacesText)} : nombre entier positif ou nul attendu ; valeur ignorée`,
        snuPlacesElement,
      );
    } else {
      snuPlaces = snuPlacesValue;
    }
  }

  const amount = readAmount(r, "compensationAmount");
  const amountMax = readAmount(r, "compensationAmountMax");

  const draft: FeedDraft = {
    title: ownText(r.find("title")),
    description,
    description_html: descriptionHtml,
    application_url: r.text("applicationUrl"),
    image: r.text("image"),
    metadata: r.text("metadata"),
    domain: resolveDomain(r.text("domain")),
    activities: activitiesList ? parseActivities(activitiesList.value) : [],
    tags: r.list("tags"),
    tasks: r.list("tasks"),
    audience: r.list("audience", "publicBeneficiaries", "publicsBeneficiaires"),
    soft_skills: r.list("softSkills", "soft_skills"),
    requirements: r.list("requirements"),
    rome_skills: r.list("romeSkills"),
    remote,
    schedule: r.text("schedule"),
    posted_at: r.date("postedAt"),
    start_at: r.date("startAt"),
    end_at: r.date("endAt"),
    priority: r.text("priority"),
    places,
    places_status: placesStatus,
    type: settings.missionType,
    snu: r.boolean("snu") ?? false,
    snu_places: snuPlaces,
    open_to_minors: r.boolean("openToMinors"),
    reduced_mobility_accessible: r.boolean("reducedMobilityAccessible"),
    close_to_transport: r.boolean("closeToTransport"),
    compensation_amount: amount.value,
    compensation_amount_max: amountMax.value,
    compensation_unit: normalizeCompensationUnit(r.text("compensationUnit")),
    compensation_type: normalizeCompensationType(r.text("compensationType")),
  };

  // ── Addresses ────────────────────────────────────────────────────────────────────────────────
  const { inputs, countryElement } = r.addressInputs();
  const addresses: AddressDraft[] = addressDrafts(inputs);
  const country = addresses[0]?.country ?? null;

  // ── Moderation ───────────────────────────────────────────────────────────────────────────────
  const verdict = moderateDraft(
    settings.skipModeration,
    clientId,
    { ...draft, places: placesForModeration },
    country,
    organizationName,
  );
  if (verdict.description !== undefined) draft.description = verdict.description;
  let statusCode: "ACCEPTED" | "REFUSED" = verdict.statusCode;
  let statusComment = verdict.statusComment;
  let field = statusCode === "REFUSED" ? refusalField(statusComment, country, draft.domain) : null;

  // An unreadable amount is refused where rule 14 (or 15) stands in the rule order: it replaces an
  // acceptance or a refusal by a later rule, never one by an earlier rule.
  const later = (f: string | null, fields: string[]) => statusCode === "ACCEPTED" || (f !== null && fields.includes(f));
  if (!settings.skipModeration && amount.unreadable && later(field, ["compensationAmountMax", "compensationUnit", "compensationType"])) {
    [statusCode, statusComment, field] = ["REFUSED", MSG_COMPENSATION_AMOUNT_INVALID, "compensationAmount"];
  } else if (!settings.skipModeration && amountMax.unreadable && later(field, ["compensationUnit", "compensationType"])) {
    [statusCode, statusComment, field] = ["REFUSED", MSG_COMPENSATION_AMOUNT_MAX_INVALID, "compensationAmountMax"];
  }
  if (settings.skipModeration) {
    for (const a of [amount, amountMax]) {
      if (a.unreadable) {
        r.report("warning", a.name, `Montant illisible ${quote(a.text)} pour ${a.name} : nombre attendu ; valeur ignorée`, a.element);
      }
    }
  }

  if (statusCode === "REFUSED") {
    const at = field === "country" ? countryElement : field !== null ? r.find(field) : undefined;
    r.report("refused", field, statusComment, at);
  }

  return {
    kind: "mission",
    mission: {
      clientId,
      draft,
      addresses,
      organization: { clientId: organizationClientId, patch: organization },
      statusCode,
      statusComment,
    },
    problems: r.problems,
  };
}

/** `compensationAmount`/`compensationAmountMax`: numeric text for the column ("10,5" → "10.5"). */
function readAmount(r: MissionReader, name: "compensationAmount" | "compensationAmountMax") {
  const element = r.find(name);
  const text = ownText(element);
  const value = parseDecimal(text);
  const unreadable = value !== null && Number.isNaN(value);
  return { name, element, text, unreadable, value: value === null || unreadable ? null : String(value) };
}

/** Feed element a moderation message is about. */
function refusalField(comment: string, country: string | null, domain: string | null): string | null {
  const known = FIELD_BY_MESSAGE.get(comment);
  if (known) return known;
  if (country !== null && comment === msgInvalidCountry(country)) return "country";
  if (domain !== null && comment === msgInvalidDomain(domain)) return "domain";
  if (comment.startsWith("Pays")) return "country";
  if (comment.startsWith("Domaine")) return "domain";
  return null;
}

/**
 * Normalises one `<mission>` element. Returns the mission (accepted or refused, with its warnings),
 * or `skipped` when it cannot be read at all: oversized, no usable clientId, no organisation identifier.
 * Never throws: an unexpected error skips the mission with a message.
 */
export function normalizeFeedMission(el: XmlElement, settings: FeedSettings): NormalizeResult {
  try {
    return normalize(el, settings);
  } catch (error) {
    const clientId = feedClientId(el);
    const reason = error instanceof Error ? error.message : String(error);
    return {
      kind: "skipped",
      clientId,
      problems: [
        {
          clientId,
          line: typeof el?.line === "number" ? el.line : null,
          field: null,
          message: `Mission illisible (${reason}) : ignorée`,
          outcome: "skipped",
        },
      ],
    };
  }
}
