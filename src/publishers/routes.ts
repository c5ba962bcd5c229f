/** `GET /v0/publisher` and `GET /v0/publisher/:id`: the diffuseurs that diffuse my missions. */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { diffuseursOf } from "../diffusion/repository.ts";
import { currentPublisher } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { notFound } from "../http/errors.ts";
import { NStr } from "../http/json-schema.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { toPartnerJson } from "./publishers.ts";


export const PartnerSchema = Type.Object(
  {
    _id: Type.String({ description: "Identifiant du partenaire" }),
    name: Type.String(),
    category: NStr(),
    url: NStr(),
    logo: NStr(),
    description: Type.String(),
    widget: Type.Boolean({ description: "Droits widget" }),
    api: Type.Boolean({ description: "Droits API" }),
    campaign: Type.Boolean({ description: "Droits campagne" }),
    annonceur: Type.Boolean({ description: "Publie des missions" }),
  },
  { $id: "Partner", title: "Partenaire" },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export async function publisherRoutes(app: FastifyInstance, { db, requireApiKey }: RouteContext) {
  app.get(
    "/v0/publisher",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Partenaires"],
        summary: "Lister mes diffuseurs",
        description: "Les partenaires autorisés à diffuser vos missions, par ordre alphabétique.",
        security: API_KEY_SECURITY,
        response: {
          200: Type.Object({ ok: Type.Literal(true), total: Type.Integer(), data: Type.Array(Type.Ref("Partner")) }),
          ...errorResponses(401, 429),
        },
      },
    },
    async (request) => {
      const scopes = await diffuseursOf(db, currentPublisher(request).id);
      return { ok: true, total: scopes.length, data: scopes.map((s) => toPartnerJson(s.diffuseur)) };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/v0/publisher/:id",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Partenaires"],
        summary: "Consulter un de mes diffuseurs",
        description: "Un partenaire qui diffuse vos missions ; 404 pour tout autre partenaire.",
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Ref("Partner") }), ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const scopes = await diffuseursOf(db, currentPublisher(request).id);
      const scope = scopes.find((s) => s.diffuseur.id === request.params.id);
      if (!scope) throw notFound("Partenaire introuvable parmi les diffuseurs de vos missions");
      return { ok: true, data: toPartnerJson(scope.diffuseur) };
    },
  );
}
