/**
 * The `organization*` fields of a mission body → the annonceur's organisation (publisher_organization),
 * upserted by its derived client id. Only the fields present in the body are written.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db/connection.ts";
import type { OrganizationRow } from "../db/schema.ts";
import { badRequest } from "../http/errors.ts";
import { cleanStringList } from "./rules/normalize.ts";
import { deriveOrganizationClientId, normalizeRna, normalizeSiren } from "./rules/organization.ts";
import type { MissionInput } from "./schemas.ts";

const ORGANIZATION_KEYS = [
  "organizationClientId",
  "organizationName",
  "organizationDescription",
  "organizationUrl",
  "organizationType",
  "organizationLogo",
  "organizationRNA",
  "organizationSiren",
  "organizationSiret",
  "organizationFullAddress",
  "organizationPostCode",
  "organizationCity",
  "organizationDepartment",
  "organizationDepartmentCode",
  "organizationDepartmentName",
  "organizationStatusJuridique",
  "organizationBeneficiaries",
  "organizationActions",
  "organizationReseaux",
] as const satisfies readonly (keyof MissionInput)[];

export type OrganizationPatch = Partial<
  Pick<
    OrganizationRow,
    | "name"
    | "rna"
    | "siren"
    | "siret"
    | "url"
    | "logo"
    | "description"
    | "legal_status"
    | "type"
    | "actions"
    | "full_address"
    | "postal_code"
    | "city"
    | "beneficiaries"
    | "parent_organizations"
  >
>;

/**
 * Organisation columns filled from one text field, named alike in an API body and in a feed: one
 * table for both, so that a field means the same column whichever way a mission comes in.
 */
export const ORGANIZATION_TEXT_FIELDS = [
  ["url", "organizationUrl"],
  ["logo", "organizationLogo"],
  ["description", "organizationDescription"],
  ["legal_status", "organizationStatusJuridique"],
  ["type", "organizationType"],
  ["full_address", "organizationFullAddress"],
  ["postal_code", "organizationPostCode"],
  ["city", "organizationCity"],
] as const satisfies readonly (readonly [keyof OrganizationPatch, (typeof ORGANIZATION_KEYS)[number]])[];

const present = (input: MissionInput, key: keyof MissionInput) => input[key] !== undefined && input[key] !== null;
const text = (v: string | null | undefined) => (v == null || v.trim() === "" ? null : v.trim());

export function hasOrganizationFields(input: MissionInput): boolean {
  return ORGANIZATION_KEYS.some((key) => present(input, key));
}

/** Client id and column patch of the organisation named by the body, or undefined when none is sent. */
export function organizationFromInput(input: MissionInput): { clientId: string; patch: OrganizationPatch } | undefined {
  if (!hasOrganizationFields(input)) return undefined;
  if (!text(input.organizationName)) {
    throw badRequest(
      "INVALID_BODY",
      "Le champ « organizationName » est obligatoire dès qu'un champ organization* est envoyé",
      [{ field: "organizationName", message: "obligatoire avec les autres champs organization*" }],
    );
  }
  const fromSiren = normalizeSiren(input.organizationSiren ?? null);
  const fromSiret = normalizeSiren(input.organizationSiret ?? null);
  const siret = fromSiret.siret ?? fromSiren.siret;
  const siren = fromSiren.siren ?? fromSiret.siren;
  const rna = normalizeRna(input.organizationRNA ?? null);
  const clientId = deriveOrganizationClientId({
    organizationClientId: text(input.organizationClientId),
    organizationRNA: rna,
    organizationSiret: siret,
    organizationSiren: siren,
    organizationName: text(input.organizationName),
  });
  if (!clientId) {
    throw badRequest("INVALID_BODY", "Impossible d'identifier l'organisation : renseignez organizationClientId ou organizationName", [
      { field: "organizationClientId", message: "identifiant d'organisation introuvable" },
    ]);
  }
  const patch: OrganizationPatch = { name: text(input.organizationName) };
  if (present(input, "organizationRNA")) patch.rna = rna;
  if (present(input, "organizationSiren") || present(input, "organizationSiret")) {
    patch.siren = siren;
    patch.siret = siret;
  }
  for (const [column, key] of ORGANIZATION_TEXT_FIELDS) if (present(input, key)) patch[column] = text(input[key]);
  if (present(input, "organizationActions")) patch.actions = cleanStringList(input.organizationActions);
  if (present(input, "organizationBeneficiaries")) patch.beneficiaries = cleanStringList(input.organizationBeneficiaries);
  if (present(input, "organizationReseaux")) patch.parent_organizations = cleanStringList(input.organizationReseaux);
  return { clientId, patch };
}

/** Creates or patches the organisation; returns its row. */
export async function upsertOrganization(db: Db, publisherId: string, clientId: string, patch: OrganizationPatch): Promise<OrganizationRow> {
  const existing = await db
    .selectFrom("publisher_organization")
    .selectAll()
    .where("publisher_id", "=", publisherId)
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  if (!existing) {
    return db
      .insertInto("publisher_organization")
      .values({ id: randomUUID(), publisher_id: publisherId, client_id: clientId, ...emptyOrganization(), ...patch })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const changed = Object.entries(patch).some(([k, v]) => JSON.stringify(existing[k as keyof OrganizationRow]) !== JSON.stringify(v));
  if (!changed && existing.deleted_at === null) return existing;
  return db
    .updateTable("publisher_organization")
    .set({ ...patch, updated_at: new Date(), deleted_at: null })
    .where("id", "=", existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

function emptyOrganization() {
  return {
    name: null,
    rna: null,
    siren: null,
    siret: null,
    url: null,
    logo: null,
    description: null,
    legal_status: null,
    type: null,
    full_address: null,
    postal_code: null,
    city: null,
  };
}
