/**
 * `GET|PUT /v0/myorganization/:organizationClientId`: which diffuseurs may show the missions of one
 * of my organisations. PUT lists the diffuseurs allowed; every other one gets an exclusion rule.
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { Db } from "../db/connection.ts";
import { addChildRule, diffuseursOf, type DiffuseurScope, softDeleteRule } from "../diffusion/repository.ts";
import { ORGANIZATION_CLIENT_ID } from "../diffusion/rules.ts";
import { currentPublisher } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { notFound } from "../http/errors.ts";
import { NStr } from "../http/json-schema.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { upsertOrganization } from "../missions/organization-input.ts";
import { toPartnerJson } from "../publishers/publishers.ts";
import { organizationClicks } from "./clicks.ts";

const Params = Type.Object({ organizationClientId: Type.String({ minLength: 1, maxLength: 200 }) });
const PutBody = Type.Object(
  {
    publisherIds: Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 1000,
      description: "Diffuseurs autorisés à diffuser les missions de cette organisation ; tous les autres l'excluent",
    }),
    organizationName: Type.Optional(Type.Unsafe<string | null>({ type: ["string", "null"], maxLength: 500 })),
  },
  { additionalProperties: false },
);

const PartnerWithExclusion = Type.Object({
  _id: Type.String(),
  name: Type.String(),
  category: NStr(),
  url: NStr(),
  logo: NStr(),
  description: Type.String(),
  widget: Type.Boolean(),
  api: Type.Boolean(),
  campaign: Type.Boolean(),
  annonceur: Type.Boolean(),
  excluded: Type.Boolean({ description: "Ce diffuseur ne diffuse pas les missions de cette organisation" }),
  clicks: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "GET seulement : clics (hors robots) des 30 derniers jours, jusqu'à maintenant, depuis ce diffuseur vers les missions de cette organisation, y compris ses missions supprimées depuis",
    }),
  ),
});

const exclusionOf = (scope: DiffuseurScope, orgClientId: string) =>
  scope.children.find((c) => c.field === ORGANIZATION_CLIENT_ID && c.operator === "is_not" && c.value === orgClientId);

async function findOrganization(db: Db, publisherId: string, clientId: string) {
  return db
    .selectFrom("publisher_organization")
    .selectAll()
    .where("publisher_id", "=", publisherId)
    .where("client_id", "=", clientId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

export async function organizationRoutes(app: FastifyInstance, { db, requireApiKey }: RouteContext) {
  app.get<{ Params: Static<typeof Params> }>(
    "/v0/myorganization/:organizationClientId",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Organisations"],
        summary: "Consulter la diffusion d'une de mes organisations",
        description: "Pour chacun de vos diffuseurs : l'organisation est-elle exclue, et combien de clics (hors robots) ses missions en ont reçu sur les 30 derniers jours.",
        security: API_KEY_SECURITY,
        params: Params,
        response: {
          200: Type.Object({ ok: Type.Literal(true), total: Type.Integer(), data: Type.Array(PartnerWithExclusion) }),
          ...errorResponses(400, 401, 404, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const { organizationClientId } = request.params;
      const organization = await findOrganization(db, publisher.id, organizationClientId);
      if (!organization) throw notFound(`Organisation « ${organizationClientId} » introuvable parmi vos organisations`);
      const scopes = await diffuseursOf(db, publisher.id);
      const clicks = await organizationClicks(db, publisher.id, organization.id, scopes.map((s) => s.diffuseur.id));
      const data = scopes.map((s) => ({
        ...toPartnerJson(s.diffuseur),
        excluded: Boolean(exclusionOf(s, organizationClientId)),
        clicks: clicks.get(s.diffuseur.id) ?? 0,
      }));
      return { ok: true, total: data.length, data };
    },
  );

  app.put<{ Params: Static<typeof Params>; Body: Static<typeof PutBody> }>(
    "/v0/myorganization/:organizationClientId",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Organisations"],
        summary: "Choisir les diffuseurs d'une de mes organisations",
        description:
          "Remplace les exclusions : les diffuseurs listés dans `publisherIds` diffusent les missions de l'organisation, les autres non. Crée l'organisation si elle n'existe pas. Prise en compte immédiate.",
        security: API_KEY_SECURITY,
        params: Params,
        body: PutBody,
        response: {
          200: Type.Object({ ok: Type.Literal(true), total: Type.Integer(), data: Type.Array(PartnerWithExclusion) }),
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const { organizationClientId } = request.params;
      const allowed = new Set(request.body.publisherIds);
      const data = await db.transaction().execute(async (trx) => {
        const existing = await findOrganization(trx, publisher.id, organizationClientId);
        const name = request.body.organizationName?.trim();
        if (!existing || name) {
          await upsertOrganization(trx, publisher.id, organizationClientId, name ? { name } : {});
        }
        const scopes = await diffuseursOf(trx, publisher.id);
        const out = [];
        for (const scope of scopes) {
          const exclusion = exclusionOf(scope, organizationClientId);
          const excluded = !allowed.has(scope.diffuseur.id);
          if (excluded && !exclusion) {
            await addChildRule(
              trx,
              scope.root,
              { field: ORGANIZATION_CLIENT_ID, fieldType: "string", operator: "is_not", value: organizationClientId },
              publisher.id,
            );
          } else if (!excluded && exclusion) {
            await softDeleteRule(trx, exclusion.id);
          }
          out.push({ ...toPartnerJson(scope.diffuseur), excluded });
        }
        return out;
      });
      return { ok: true, total: data.length, data };
    },
  );
}
