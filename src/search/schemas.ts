/**
 * Schemas of the diffuseur read API, for `/openapi.json`. Query parameters are documented here and
 * parsed by query.ts (comma lists and repeated keys, legacy syntaxes), so the query schema is marked
 * documentation-only (see http/validation.ts).
 */
import { Type } from "typebox";
import { NBool, NDate, NInt, NNum, NStr, YesNo } from "../http/json-schema.ts";
import { LEGACY_ORGANIZATION_PROPERTIES, MISSION_TYPE_VALUES } from "../missions/schemas.ts";
import { REMOTE_VALUES, SORT_VALUES } from "./query.ts";

type Opts = Record<string, unknown>;
const Strings = () => Type.Array(Type.String());

const multi = (description: string, extra: Opts = {}) =>
  Type.Unsafe<string | string[]>({
    anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
    description: `${description} Plusieurs valeurs : séparées par des virgules ou en répétant le paramètre.`,
    ...extra,
  });
const text = (description: string, extra: Opts = {}) => Type.Unsafe<string>({ type: "string", description, ...extra });

const commonParams = {
  limit: text("Nombre de missions par page (défaut 25, maximum 10 000).", { examples: ["25"] }),
  skip: text("Décalage (défaut 0)."),
  from: text("Ancien nom de `skip`, lu quand `skip` vaut 0."),
  size: text("Ancien nom de `limit`, lu quand `limit` est absent."),
  keywords: text(
    "Recherche plein texte dans le titre, la description, le nom de l'organisation et la commune : insensible aux accents et à la casse, avec racinisation française ; tous les mots doivent être présents.",
  ),
  text: text("Ancien nom de `keywords`."),
  domain: multi("Domaine(s) : animaux, education, sante…"),
  activity: multi("Activité(s), par libellé (« Soutien scolaire »)."),
  type: multi(`Type(s) de mission : ${MISSION_TYPE_VALUES.join(", ")}.`),
  remote: multi(`Présentiel/distanciel : ${REMOTE_VALUES.join(", ")}.`),
  city: multi("Commune(s) d'une adresse (exacte)."),
  departmentName: multi("Département(s) d'une adresse (« Rhône »)."),
  country: multi("Pays d'une adresse (FR)."),
  clientId: multi("Identifiant(s) de mission chez l'annonceur."),
  publisher: multi("Annonceur(s) : identifiants de partenaires, parmi ceux que vous diffusez."),
  organizationRNA: multi("Numéro(s) RNA de l'organisation."),
  organizationStatusJuridique: multi("Statut(s) juridique(s) de l'organisation."),
  openToMinors: text("true (ou yes, 1) / false (ou no, 0)."),
  reducedMobilityAccessible: text("true / false."),
  snu: text("true : seulement les missions SNU ; false : pas de filtre."),
  startAt: text("Date de début : `gt:2025-09-01` (après) ou `lt:2025-09-01` (avant)."),
  createdAt: text("Date de création : `gt:<date>` ou `lt:<date>`."),
  lat: text("Latitude du centre de recherche (avec lon)."),
  lon: text("Longitude du centre de recherche (avec lat)."),
  distance: text(
    "Rayon autour de lat/lon : `25km`, `800m` ou un nombre de km (défaut 50km). Vrai cercle sur chacune des adresses ; les missions `remote=local` sont toujours incluses sauf si `remote` les exclut.",
  ),
  sort: text(`Tri : ${SORT_VALUES.join(", ")} (défaut startAt, date de début décroissante).`, { enum: [...SORT_VALUES] }),
  updatedSince: text(
    "Synchronisation : seulement les missions modifiées, ou devenues diffusables pour vous, après cette date (ISO 8601). Avec includeDeleted=true, ajoute en fin de liste les suppressions `{_id, id, deleted: true, deletedAt}` des missions retirées ou qui ne sont plus diffusables pour vous depuis (voir la recette).",
  ),
  includeDeleted: text("true : ajoute les suppressions (avec updatedSince)."),
};

export const LIST_QUERY_PARAMS = Type.Object(commonParams, { "x-documentation-only": true });
export const SEARCH_QUERY_PARAMS = Type.Object(commonParams, { "x-documentation-only": true });

export const MissionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: "Identifiant de la mission (_id)" }) });

const Bucket = Type.Object({ key: Type.String(), doc_count: Type.Integer() });

export const SearchFacetsSchema = Type.Object(
  {
    departmentName: Type.Array(Bucket, { description: "Département de la première adresse" }),
    activities: Type.Array(Bucket),
    domains: Type.Array(Bucket),
    publishers: Type.Array(Bucket, { description: "Annonceurs (identifiants)" }),
    remote: Type.Array(Bucket),
    type: Type.Array(Bucket),
  },
  { $id: "SearchFacets", title: "Facettes (sur l'ensemble des résultats)" },
);

export const MissionLegacySchema = Type.Object(
  {
    _id: Type.String({ description: "Identifiant interne (identique à id)" }),
    clientId: Type.String(),
    addresses: Type.Array(Type.Ref("MissionAddress")),
    audience: Strings(),
    compensationAmount: NNum(),
    compensationUnit: NStr(),
    compensationType: NStr(),
    closeToTransport: NBool(),
    createdAt: Type.String({ format: "date-time" }),
    deletedAt: NDate(),
    description: Type.String({ description: "Texte brut" }),
    descriptionHtml: Type.String({ description: "HTML assaini" }),
    domain: NStr(),
    domainLogo: NStr("Image de la mission"),
    duration: NInt("Durée en mois"),
    endAt: NDate(),
    lastSyncAt: NDate(),
    metadata: NStr(),
    openToMinors: YesNo("Ouverte aux mineurs"),
    ...LEGACY_ORGANIZATION_PROPERTIES,
    postedAt: NDate(),
    priority: NStr(),
    publisherId: Type.String({ description: "Annonceur de la mission" }),
    publisherName: NStr(),
    publisherUrl: NStr(),
    publisherLogo: NStr(),
    reducedMobilityAccessible: YesNo("Accessible PMR"),
    remote: NStr(),
    requirements: Strings(),
    romeSkills: Strings(),
    schedule: NStr(),
    snu: Type.Boolean(),
    snuPlaces: NInt(),
    soft_skills: Strings(),
    softSkills: Strings(),
    startAt: NDate(),
    statusCode: Type.String(),
    statusComment: Type.String(),
    tags: Strings(),
    tasks: Strings(),
    title: Type.String(),
    type: NStr(),
    places: NInt(),
    updatedAt: Type.String({ format: "date-time" }),
    activity: NStr("Activités triées, jointes par « , »"),
    applicationUrl: Type.String({ description: "Lien de candidature suivi : PUBLIC_URL/r/{missionId}/{votreId}" }),
    id: Type.String(),
    address: Type.Optional(NStr("Rue de la première adresse")),
    city: Type.Optional(NStr()),
    postalCode: Type.Optional(NStr()),
    departmentCode: Type.Optional(NStr()),
    departmentName: Type.Optional(NStr()),
    country: Type.Optional(NStr()),
    location: Type.Optional(Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number() }), Type.Null()])),
    deleted: Type.Boolean(),
    statusCommentHistoric: Type.Array(Type.String(), { maxItems: 0 }),
    _distance: Type.Optional(Type.Number({ description: "/search avec lat/lon : km jusqu'à l'adresse la plus proche" })),
  },
  { $id: "MissionLegacy", title: "Mission (v0, diffuseurs)" },
);

export const SEARCH_SHARED_SCHEMAS = [SearchFacetsSchema, MissionLegacySchema];
