/**
 * JSON schemas of the mission routes: request bodies (validated by Fastify) and responses (which
 * also fix the field order of the JSON, as today's service emits it). They generate `/openapi.json`.
 */
import { type Static, Type } from "typebox";
import { NBool, NDate, NInt, NNum, NStr, YesNo } from "../http/json-schema.ts";
import { DOMAIN_SLUGS } from "../taxonomy/domains.ts";

const Strings = (description: string, maxItems = 100) =>
  Type.Unsafe<string[] | null>({ type: ["array", "null"], items: { type: "string", maxLength: 1000 }, maxItems, description });

const DateInput = (description: string) =>
  Type.Unsafe<string | number | null>({
    type: ["string", "number", "null"],
    maxLength: 100,
    description: `${description} : ISO 8601 (2025-09-01 ou 2025-09-01T09:00:00Z, heure UTC sans fuseau), jour/mois/année (01/09/2025), RFC 2822, ou temps Unix (nombre de millisecondes, ou 10 chiffres = secondes). Une date impossible (31/02/2025) est refusée (400).`,
  });

export const MISSION_TYPE_VALUES = [
  "benevolat",
  "volontariat_service_civique",
  "volontariat_sapeurs_pompiers",
  "volontariat_reserve_operationnelle",
] as const;

// ── Request bodies ────────────────────────────────────────────────────────────────────────────────

export const AddressInputSchema = Type.Object(
  {
    street: Type.Optional(NStr("Numéro et nom de rue")),
    postalCode: Type.Optional(
      Type.Unsafe<string | number | null>({
        type: ["string", "integer", "null"],
        description: "Code postal, de préférence en texte (\"01000\") ; un nombre est complété à 5 chiffres",
      }),
    ),
    city: Type.Optional(NStr("Commune")),
    departmentCode: Type.Optional(NStr("Code du département (75, 2A, 971…) ; déduit du code postal s'il manque")),
    departmentName: Type.Optional(NStr("Nom du département ; remplacé par le nom officiel pour la France")),
    region: Type.Optional(NStr("Région ; remplacée par le nom officiel pour la France")),
    country: Type.Optional(NStr("Pays : code ISO 3166-1 alpha-2 (FR) ; « France » est accepté")),
    location: Type.Optional(
      Type.Union([
        Type.Object(
          {
            lat: Type.Number({ minimum: -90, maximum: 90 }),
            lon: Type.Number({ minimum: -180, maximum: 180 }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ], { description: "Coordonnées (WGS 84). Sans coordonnées, celles de la commune sont utilisées." }),
    ),
  },
  { additionalProperties: false, $id: "MissionAddressInput", title: "Adresse (entrée)" },
);

const missionFields = {
  title: Type.String({ maxLength: 500, description: "Titre de la mission (au moins deux mots)" }),
  description: NStr({
    maxLength: 200_000,
    description:
      "Description, en texte ou en HTML. Le HTML est assaini (scripts, styles et attributs dangereux retirés) et converti en texte brut pour la recherche. Au-delà de 20 000 caractères la mission est refusée.",
  }),
  applicationUrl: NStr({ maxLength: 2000, description: "Page de candidature sur votre site" }),
  image: NStr({ maxLength: 2000, description: "URL de l'image de la mission" }),
  metadata: NStr({ maxLength: 10_000, description: "Métadonnées libres" }),
  postedAt: DateInput("Date de première publication"),
  startAt: DateInput("Date de début. Défaut : maintenant"),
  endAt: DateInput("Date de fin"),
  domain: NStr({ maxLength: 100, description: `Domaine d'action : ${DOMAIN_SLUGS.join(", ")}` }),
  activities: Strings("Activités (slugs ou libellés de la liste des activités ; une valeur inconnue devient « Autre »)", 30),
  tags: Strings("Mots-clés libres"),
  tasks: Strings("Tâches confiées"),
  audience: Strings("Publics bénéficiaires de la mission"),
  requirements: Strings("Prérequis"),
  softSkills: Strings("Savoir-être attendus"),
  romeSkills: Strings("Codes OGR des macro-compétences du ROME 4.0"),
  remote: NStr({ description: "Présentiel ou distanciel : no, possible, full ou local (une autre valeur refuse la mission)" }),
  schedule: NStr({ maxLength: 1000, description: "Rythme, en texte libre (« 2 heures par semaine »)" }),
  priority: NStr({ maxLength: 200 }),
  places: NInt({ description: "Nombre de places (défaut 1 ; 0 ou moins refuse la mission)" }),
  compensationAmount: NNum({ description: "Montant minimum (ou unique) de l'indemnisation" }),
  compensationAmountMax: NNum({ description: "Montant maximum de l'indemnisation" }),
  compensationUnit: NStr({ description: "hour, day, month ou year" }),
  compensationType: NStr({ description: "gross ou net" }),
  openToMinors: NBool({ description: "Ouverte aux mineurs" }),
  reducedMobilityAccessible: NBool({ description: "Accessible aux personnes à mobilité réduite" }),
  closeToTransport: NBool({ description: "Proche des transports en commun" }),
  snu: NBool({ description: "Mission ouverte au Service national universel" }),
  snuPlaces: NInt({ minimum: 0 }),
  addresses: Type.Unsafe<Static<typeof AddressInputSchema>[] | null>({
    type: ["array", "null"],
    items: { $ref: "MissionAddressInput#" },
    maxItems: 200,
    description: "Lieux de la mission. Dans une modification, remplace toutes les adresses.",
  }),
  type: Type.Unsafe<(typeof MISSION_TYPE_VALUES)[number] | null>({
    type: ["string", "null"],
    enum: [...MISSION_TYPE_VALUES, null],
    description: "Type de mission",
  }),
  organizationClientId: NStr({ maxLength: 200, description: "Identifiant de l'organisation dans votre système" }),
  organizationName: NStr({ maxLength: 500, description: "Nom de l'organisation : requis dès qu'un champ organization* est envoyé" }),
  organizationDescription: NStr({ maxLength: 20_000 }),
  organizationUrl: NStr({ maxLength: 2000 }),
  organizationType: NStr({ maxLength: 200 }),
  organizationLogo: NStr({ maxLength: 2000 }),
  organizationRNA: NStr({ maxLength: 50, description: "Numéro RNA (W + 9 caractères)" }),
  organizationSiren: NStr({ maxLength: 50, description: "SIREN (9 chiffres) ; un SIRET de 14 chiffres est aussi compris" }),
  organizationSiret: NStr({ maxLength: 50, description: "SIRET (14 chiffres)" }),
  organizationFullAddress: NStr({ maxLength: 1000 }),
  organizationPostCode: NStr({ maxLength: 20 }),
  organizationCity: NStr({ maxLength: 200 }),
  organizationDepartment: NStr({ maxLength: 200, description: "Accepté, non conservé" }),
  organizationDepartmentCode: NStr({ maxLength: 10, description: "Accepté, non conservé" }),
  organizationDepartmentName: NStr({ maxLength: 200, description: "Accepté, non conservé" }),
  organizationStatusJuridique: NStr({ maxLength: 200 }),
  organizationBeneficiaries: Strings("Bénéficiaires de l'organisation"),
  organizationActions: Strings("Principales actions de l'organisation"),
  organizationReseaux: Strings("Réseaux (têtes de réseau nationales) de l'organisation"),
};

type Fields = typeof missionFields;
const optionalFields = Object.fromEntries(
  Object.entries(missionFields).map(([k, v]) => [k, Type.Optional(v)]),
) as { [K in keyof Fields]: ReturnType<typeof Type.Optional<Fields[K]>> };

export const CreateMissionBody = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 200, description: "Votre identifiant de la mission, unique parmi vos missions" }),
    ...optionalFields,
    title: missionFields.title,
  },
  { additionalProperties: false, title: "Mission (création)" },
);
export type CreateMissionBody = Static<typeof CreateMissionBody>;

export const UpdateMissionBody = Type.Object(
  { ...optionalFields, clientId: Type.Optional(Type.String({ description: "Ignoré : le clientId ne change pas" })) },
  { additionalProperties: false, title: "Mission (modification partielle)" },
);
export type UpdateMissionBody = Static<typeof UpdateMissionBody>;
export type MissionInput = Omit<UpdateMissionBody, "clientId">;

export const ClientIdParams = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 200, description: "Votre identifiant de la mission" }),
});

// ── Responses ─────────────────────────────────────────────────────────────────────────────────────

export const AddressSchema = Type.Object(
  {
    id: Type.String(),
    street: NStr(),
    postalCode: NStr(),
    departmentName: NStr(),
    departmentCode: NStr(),
    city: NStr(),
    region: NStr(),
    country: NStr(),
    location: Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number() }), Type.Null()]),
    geoPoint: Type.Union([
      Type.Object({ type: Type.Literal("Point"), coordinates: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }) }),
      Type.Null(),
    ]),
    geolocStatus: Type.String({
      description: "ENRICHED_BY_PUBLISHER (coordonnées fournies), ENRICHED_BY_API (commune résolue), NOT_FOUND, NO_DATA",
    }),
  },
  { $id: "MissionAddress", title: "Adresse" },
);

export const MissionV2Schema = Type.Object(
  {
    id: Type.String(),
    clientId: Type.String(),
    publisherId: Type.String(),
    statusCode: Type.Union([Type.Literal("ACCEPTED"), Type.Literal("REFUSED")], {
      description: "Résultat de la modération automatique ; seules les missions ACCEPTED sont diffusées",
    }),
    statusComment: Type.String({ description: "Raison du refus, vide si acceptée" }),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
    deletedAt: NDate(),
    title: Type.String(),
    description: Type.String({ description: "Description telle que publiée (HTML assaini, ou texte)" }),
    applicationUrl: NStr(),
    image: NStr(),
    metadata: NStr(),
    postedAt: NDate(),
    domain: NStr(),
    activities: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    tasks: Type.Array(Type.String()),
    audience: Type.Array(Type.String()),
    requirements: Type.Array(Type.String()),
    softSkills: Type.Array(Type.String()),
    romeSkills: Type.Array(Type.String()),
    remote: NStr(),
    schedule: NStr(),
    startAt: NDate(),
    endAt: NDate(),
    priority: NStr(),
    places: NInt(),
    compensationAmount: NNum(),
    compensationAmountMax: NNum(),
    compensationUnit: NStr(),
    compensationType: NStr(),
    openToMinors: NBool(),
    reducedMobilityAccessible: NBool(),
    closeToTransport: NBool(),
    addresses: Type.Array(Type.Ref("MissionAddress")),
    type: NStr(),
    organizationClientId: NStr(),
    organizationName: NStr(),
    organizationDescription: NStr(),
    organizationUrl: NStr(),
    organizationType: NStr(),
    organizationLogo: NStr(),
    organizationRNA: NStr(),
    organizationSiren: NStr(),
    organizationSiret: NStr(),
    organizationFullAddress: NStr(),
    organizationPostCode: NStr(),
    organizationCity: NStr(),
    organizationStatusJuridique: NStr(),
    organizationBeneficiaries: Type.Array(Type.String()),
    organizationActions: Type.Array(Type.String()),
    organizationReseaux: Type.Array(Type.String()),
  },
  { $id: "MissionV2", title: "Mission (v2)" },
);


/** Organisation fields of the legacy v0 shapes (mymission and diffuseur missions), in today's order. */
export const LEGACY_ORGANIZATION_PROPERTIES = {
  organizationActions: Type.Array(Type.String()),
  organizationBeneficiaries: Type.Array(Type.String()),
  organizationCity: NStr(),
  organizationClientId: NStr(),
  organizationDescription: NStr(),
  organizationFullAddress: NStr(),
  organizationId: NStr("Organisation vérifiée du référentiel (non encore disponible : null)"),
  organizationLogo: NStr(),
  organizationName: NStr(),
  organizationPostCode: NStr(),
  organizationRNA: NStr(),
  organizationReseaux: Type.Array(Type.String()),
  organizationSiren: NStr(),
  organizationStatusJuridique: NStr(),
  organizationType: NStr(),
  organizationUrl: NStr(),
};

/** Fields of `/v0/mymission` items, in today's order. Moderator fields are added per moderator. */
export const MyMissionSchema = Type.Object(
  {
    _id: Type.String({ description: "Identifiant interne (identique à id)" }),
    id: Type.String(),
    clientId: Type.String(),
    publisherId: Type.String(),
    activity: NStr("Activités triées et jointes par « , »"),
    address: Type.Optional(NStr("Rue de la première adresse")),
    city: Type.Optional(NStr("Commune de la première adresse")),
    country: Type.Optional(NStr()),
    departmentCode: Type.Optional(NStr()),
    departmentName: Type.Optional(NStr()),
    region: Type.Optional(NStr()),
    location: Type.Optional(Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number() }), Type.Null()])),
    postalCode: Type.Optional(NStr()),
    addresses: Type.Array(Type.Ref("MissionAddress")),
    applicationUrl: NStr("Votre URL de candidature (non suivie)"),
    audience: Type.Array(Type.String()),
    compensationAmount: NNum(),
    compensationUnit: NStr(),
    compensationType: NStr(),
    closeToTransport: NBool(),
    createdAt: Type.String({ format: "date-time" }),
    deletedAt: NDate(),
    description: Type.String({ description: "Description en texte brut" }),
    descriptionHtml: Type.String({ description: "Description HTML assainie" }),
    domain: NStr(),
    domainLogo: NStr(),
    duration: NInt("Durée en mois entre startAt et endAt"),
    endAt: NDate(),
    lastSyncAt: NDate(),
    metadata: NStr(),
    openToMinors: YesNo("Ouverte aux mineurs"),
    ...LEGACY_ORGANIZATION_PROPERTIES,
    places: NInt(),
    postedAt: NDate(),
    priority: NStr(),
    publisherLogo: NStr(),
    publisherName: NStr(),
    publisherUrl: NStr(),
    reducedMobilityAccessible: YesNo("Accessible PMR"),
    remote: NStr(),
    schedule: NStr(),
    snu: Type.Boolean(),
    snuPlaces: NInt(),
    softSkills: Type.Array(Type.String()),
    romeSkills: Type.Array(Type.String()),
    requirements: Type.Array(Type.String()),
    startAt: NDate(),
    statusCode: Type.String(),
    statusComment: Type.String(),
    tags: Type.Array(Type.String()),
    tasks: Type.Array(Type.String()),
    title: Type.String(),
    type: NStr(),
    updatedAt: Type.String({ format: "date-time" }),
    stats: Type.Optional(Type.Ref("MissionStats", { description: "Détail d'une mission seulement : clics et candidatures par diffuseur" })),
  },
  {
    $id: "MyMission",
    title: "Ma mission (v0)",
    description:
      "Pour chaque modérateur ayant statué sur la mission : `moderation_<idModérateur>_status`, `_comment`, `_date`, `_title`.",
    patternProperties: { "^moderation_[0-9a-f]+_(status|comment|date|title)$": NStr() },
  },
);

export const MissionStatsBucket = Type.Object({
  key: Type.String({ description: "Identifiant du diffuseur" }),
  name: NStr("Nom du diffuseur"),
  doc_count: Type.Integer(),
});

export const MissionStatsSchema = Type.Object(
  {
    clicks: Type.Array(MissionStatsBucket),
    applications: Type.Array(MissionStatsBucket),
    accounts: Type.Array(MissionStatsBucket, { description: "Créations de compte (ajout)" }),
  },
  { $id: "MissionStats", title: "Statistiques d'une mission" },
);


/** Schemas referenced by `$ref`, registered once on the root instance. */
export const MISSION_SHARED_SCHEMAS = [AddressInputSchema, AddressSchema, MissionV2Schema, MissionStatsSchema, MyMissionSchema];
