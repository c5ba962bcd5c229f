/**
 * Mission records → the JSON shapes partners know: v2 (annonceur writes) and the legacy v0 shape of
 * `/v0/mymission`. Field names, order and types follow today's service.
 */
import type { MissionAddressRow } from "../db/schema.ts";
import type { MissionRecord } from "./records.ts";
import { plainTextToHtml } from "./rules/text.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (v: string | number | null) => (v === null || v === undefined ? null : Number(v));
/** The description as the annonceur sent it: its (sanitized) HTML, or its plain text. */
const publishedDescription = (text: string, html: string) => (html === plainTextToHtml(text) ? text : html);
const yesNo = (v: boolean | null) => (v === null ? null : v ? "yes" : "no");

export function toAddressJson(a: MissionAddressRow) {
  const hasLocation = a.location_lat !== null && a.location_lon !== null;
  return {
    id: a.id,
    street: a.street,
    postalCode: a.postal_code,
    departmentName: a.department_name,
    departmentCode: a.department_code,
    city: a.city,
    region: a.region,
    country: a.country,
    location: hasLocation ? { lat: a.location_lat as number, lon: a.location_lon as number } : null,
    geoPoint: hasLocation ? { type: "Point" as const, coordinates: [a.location_lon as number, a.location_lat as number] } : null,
    geolocStatus: a.geoloc_status,
  };
}

/** Activity labels sorted and joined, as the legacy `activity` string. */
export function joinActivities(activities: string[]): string | null {
  return activities.length ? [...activities].sort((a, b) => a.localeCompare(b, "fr")).join(", ") : null;
}

function organizationFields(r: MissionRecord) {
  const o = r.organization;
  return {
    organizationClientId: o?.client_id ?? null,
    organizationName: o?.name ?? null,
    organizationDescription: o?.description ?? null,
    organizationUrl: o?.url ?? null,
    organizationType: o?.type ?? null,
    organizationLogo: o?.logo ?? null,
    organizationRNA: o?.rna ?? null,
    organizationSiren: o?.siren ?? null,
    organizationSiret: o?.siret ?? null,
    organizationFullAddress: o?.full_address ?? null,
    organizationPostCode: o?.postal_code ?? null,
    organizationCity: o?.city ?? null,
    organizationStatusJuridique: o?.legal_status ?? null,
    organizationBeneficiaries: o?.beneficiaries ?? [],
    organizationActions: o?.actions ?? [],
    organizationReseaux: o?.parent_organizations ?? [],
  };
}

export function toMissionV2(r: MissionRecord) {
  const m = r.mission;
  return {
    id: m.id,
    clientId: m.client_id,
    publisherId: m.publisher_id,
    statusCode: m.status_code,
    statusComment: m.status_comment,
    createdAt: m.created_at.toISOString(),
    updatedAt: m.updated_at.toISOString(),
    deletedAt: iso(m.deleted_at),
    title: m.title,
    description: publishedDescription(m.description, m.description_html),
    applicationUrl: m.application_url,
    image: m.image,
    metadata: m.metadata,
    postedAt: iso(m.posted_at),
    domain: m.domain,
    activities: m.activities,
    tags: m.tags,
    tasks: m.tasks,
    audience: m.audience,
    requirements: m.requirements,
    softSkills: m.soft_skills,
    romeSkills: m.rome_skills,
    remote: m.remote,
    schedule: m.schedule,
    startAt: iso(m.start_at),
    endAt: iso(m.end_at),
    priority: m.priority,
    places: m.places,
    compensationAmount: num(m.compensation_amount),
    compensationAmountMax: num(m.compensation_amount_max),
    compensationUnit: m.compensation_unit,
    compensationType: m.compensation_type,
    openToMinors: m.open_to_minors,
    reducedMobilityAccessible: m.reduced_mobility_accessible,
    closeToTransport: m.close_to_transport,
    addresses: r.addresses.map(toAddressJson),
    type: m.type,
    ...organizationFields(r),
  };
}

/** The run of mission fields shared by both legacy v0 shapes, from `audience` to `metadata`. */
function legacyMissionFields(m: MissionRecord["mission"]) {
  return {
    audience: m.audience,
    compensationAmount: num(m.compensation_amount),
    compensationUnit: m.compensation_unit,
    compensationType: m.compensation_type,
    closeToTransport: m.close_to_transport,
    createdAt: m.created_at.toISOString(),
    deletedAt: iso(m.deleted_at),
    description: m.description,
    descriptionHtml: m.description_html,
    domain: m.domain,
    domainLogo: m.image,
    duration: m.duration,
    endAt: iso(m.end_at),
    lastSyncAt: iso(m.last_sync_at),
    metadata: m.metadata,
  };
}

/** The organisation fields of the legacy v0 shapes, in today's (alphabetical) order. */
function legacyOrganizationFields(o: MissionRecord["organization"]) {
  return {
    organizationActions: o?.actions ?? [],
    organizationBeneficiaries: o?.beneficiaries ?? [],
    organizationCity: o?.city ?? null,
    organizationClientId: o?.client_id ?? null,
    organizationDescription: o?.description ?? null,
    organizationFullAddress: o?.full_address ?? null,
    // Link to the verified reference organisation (RNA/SIRENE registry): not imported yet.
    organizationId: null,
    organizationLogo: o?.logo ?? null,
    organizationName: o?.name ?? null,
    organizationPostCode: o?.postal_code ?? null,
    organizationRNA: o?.rna ?? null,
    organizationReseaux: o?.parent_organizations ?? [],
    organizationSiren: o?.siren ?? null,
    organizationStatusJuridique: o?.legal_status ?? null,
    organizationType: o?.type ?? null,
    organizationUrl: o?.url ?? null,
  };
}

/** Legacy flat fields of the first address; absent (not null) when the mission has no address. */
export function firstAddressFields(r: MissionRecord) {
  const a = r.addresses[0];
  if (!a) return {};
  const { location } = toAddressJson(a);
  return {
    address: a.street,
    city: a.city,
    country: a.country,
    departmentCode: a.department_code,
    departmentName: a.department_name,
    region: a.region,
    location,
    postalCode: a.postal_code,
  };
}

/** `moderation_<moderatorId>_*` fields, one group per moderator that has a status for the mission. */
export function moderationFields(r: MissionRecord): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const m of r.moderations) {
    out[`moderation_${m.publisherId}_comment`] = m.comment;
    out[`moderation_${m.publisherId}_status`] = m.status;
    out[`moderation_${m.publisherId}_date`] = m.updatedAt.toISOString();
    out[`moderation_${m.publisherId}_title`] = m.title;
  }
  return out;
}

/** Item of `/v0/mymission`: the annonceur's view of its own mission (raw applicationUrl). */
export function toMyMission(r: MissionRecord) {
  const m = r.mission;
  return {
    _id: m.id,
    id: m.id,
    clientId: m.client_id,
    publisherId: m.publisher_id,
    activity: joinActivities(m.activities),
    ...firstAddressFields(r),
    addresses: r.addresses.map(toAddressJson),
    applicationUrl: m.application_url,
    ...legacyMissionFields(m),
    ...moderationFields(r),
    openToMinors: yesNo(m.open_to_minors),
    ...legacyOrganizationFields(r.organization),
    places: m.places,
    postedAt: iso(m.posted_at),
    priority: m.priority,
    publisherLogo: r.publisher.logo,
    publisherName: r.publisher.name,
    publisherUrl: r.publisher.url,
    reducedMobilityAccessible: yesNo(m.reduced_mobility_accessible),
    remote: m.remote,
    schedule: m.schedule,
    snu: m.snu,
    snuPlaces: m.snu_places,
    softSkills: m.soft_skills,
    romeSkills: m.rome_skills,
    requirements: m.requirements,
    startAt: iso(m.start_at),
    statusCode: m.status_code,
    statusComment: m.status_comment,
    tags: m.tags,
    tasks: m.tasks,
    title: m.title,
    type: m.type,
    updatedAt: m.updated_at.toISOString(),
  };
}

export interface LegacyOptions {
  /** Base of tracked links (PUBLIC_URL). */
  publicUrl: string;
  /** The calling diffuseur: `applicationUrl` is the tracked redirect through it. */
  diffuseurId: string;
  /** A moderator's title for this mission. */
  titleOverride?: string;
  /**
   * The diffuseur shows full-remote missions as "[À distance]" offers located in Paris (a job board
   * that needs a place on every offer; today hard-coded for Leboncoin, here a diffuseur setting).
   */
  remoteAsParis?: boolean;
}

/** Today's place of a full-remote mission for such a diffuseur. */
const REMOTE_IN_PARIS = { postalCode: "75000", departmentCode: "75", departmentName: "Paris", city: "Paris", country: "FR", location: { lat: 48.854744, lon: 2.348715 } };

/**
 * Item of `/v0/mission` (`MissionLegacy`): the diffuseur's view, field names and order as today's
 * service, with the tracked `applicationUrl` and the flattened first address.
 */
export function toMissionLegacy(r: MissionRecord, options: LegacyOptions) {
  const m = r.mission;
  const remoteInParis = options.remoteAsParis === true && m.remote === "full";
  const title = options.titleOverride ?? m.title;
  return {
    _id: m.id,
    clientId: m.client_id,
    addresses: r.addresses.map(toAddressJson),
    ...legacyMissionFields(m),
    openToMinors: yesNo(m.open_to_minors),
    ...legacyOrganizationFields(r.organization),
    postedAt: iso(m.posted_at),
    priority: m.priority,
    publisherId: m.publisher_id,
    publisherName: r.publisher.name,
    publisherUrl: r.publisher.url,
    publisherLogo: r.publisher.logo,
    reducedMobilityAccessible: yesNo(m.reduced_mobility_accessible),
    remote: m.remote,
    requirements: m.requirements,
    romeSkills: m.rome_skills,
    schedule: m.schedule,
    snu: m.snu,
    snuPlaces: m.snu_places,
    soft_skills: m.soft_skills,
    softSkills: m.soft_skills,
    startAt: iso(m.start_at),
    statusCode: m.status_code,
    statusComment: m.status_comment,
    tags: m.tags,
    tasks: m.tasks,
    title: remoteInParis ? `[À distance] ${title}` : title,
    type: m.type,
    places: m.places,
    updatedAt: m.updated_at.toISOString(),
    activity: joinActivities(m.activities),
    applicationUrl: `${options.publicUrl}/r/${encodeURIComponent(m.id)}/${encodeURIComponent(options.diffuseurId)}`,
    id: m.id,
    ...(remoteInParis ? remoteInParisAddress(r) : legacyFirstAddress(r)),
    deleted: m.deleted_at !== null,
    statusCommentHistoric: [] as never[],
  };
}

/** The first address flattened in today's v0 order (absent when the mission has no address). */
function legacyFirstAddress(r: MissionRecord) {
  const a = r.addresses[0];
  if (!a) return {};
  return {
    address: a.street,
    city: a.city,
    postalCode: a.postal_code,
    departmentCode: a.department_code,
    departmentName: a.department_name,
    country: a.country,
    location: toAddressJson(a).location,
  };
}

/** The first address's flat fields moved to Paris (`remoteAsParis`), in the same order. */
function remoteInParisAddress(r: MissionRecord) {
  const p = REMOTE_IN_PARIS;
  return {
    address: r.addresses[0]?.street ?? null,
    city: p.city,
    postalCode: p.postalCode,
    departmentCode: p.departmentCode,
    departmentName: p.departmentName,
    country: p.country,
    location: p.location,
  };
}
