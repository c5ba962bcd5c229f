/** `GET|POST /v0/diffusion-rule` and `DELETE /v0/diffusion-rule/:id`: the annonceur's rules per diffuseur. */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { currentPublisher } from "../http/auth.ts";
import type { RouteContext } from "../http/app.ts";
import { badRequest, conflict, forbidden, notFound } from "../http/errors.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { addChildRule, diffuseursOf } from "./repository.ts";
import { CHILD_RULE_OPERATORS, childRuleProblem, excludes, EXCLUSION_OPERATORS, ROOT_FIELD } from "./rules.ts";
import { softDeleteRule } from "./repository.ts";

const RuleSchema = Type.Object({
  id: Type.String(),
  field: Type.String(),
  fieldType: Type.String(),
  operator: Type.String(),
  value: Type.String(),
});

const ListQuery = Type.Object({
  field: Type.Optional(Type.String({ maxLength: 200, description: "Champ à évaluer (avec value)" })),
  value: Type.Optional(Type.String({ maxLength: 1000, description: "Valeur à évaluer (avec field)" })),
});

const CreateBody = Type.Object(
  {
    publisherIds: Type.Array(Type.String({ maxLength: 100 }), {
      minItems: 1,
      maxItems: 1000,
      description: "Diffuseurs auxquels appliquer la règle (ceux qui ne diffusent pas vos missions sont ignorés)",
    }),
    field: Type.String({ description: Object.keys(CHILD_RULE_OPERATORS).join(" ou ") }),
    fieldType: Type.Optional(Type.Unsafe<string | null>({ type: ["string", "null"], enum: ["string", null], description: "string (défaut)" })),
    operator: Type.String({
      description: Object.entries(CHILD_RULE_OPERATORS)
        .map(([f, ops]) => `${f} : ${ops.join(", ")}`)
        .join(" ; "),
    }),
    value: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

const ruleJson = (r: { id: string; field: string; field_type: string; operator: string; value: string }) => ({
  id: r.id,
  field: r.field,
  fieldType: r.field_type,
  operator: r.operator,
  value: r.value,
});

export async function diffusionRoutes(app: FastifyInstance, { db, requireApiKey }: RouteContext) {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/v0/diffusion-rule",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Règles de diffusion"],
        summary: "Lister mes règles de diffusion",
        description:
          "Pour chacun de vos diffuseurs, les règles que vous avez posées. Avec `field` et `value` (ensemble), chaque diffuseur porte `diffuse` : faux si une règle d'exclusion (is_not, does_not_contain, does_not_exist) sur ce champ exclut cette valeur (comparaison insensible à la casse et aux accents).",
        security: API_KEY_SECURITY,
        querystring: ListQuery,
        response: {
          200: Type.Object({
            ok: Type.Literal(true),
            total: Type.Integer(),
            data: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                logo: Type.Unsafe<string | null>({ type: ["string", "null"] }),
                rules: Type.Array(RuleSchema),
                diffuse: Type.Optional(Type.Boolean()),
              }),
            ),
          }),
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const { field, value } = request.query;
      if ((field === undefined) !== (value === undefined)) {
        throw badRequest("INVALID_QUERY", "Les paramètres « field » et « value » doivent être fournis ensemble");
      }
      const scopes = await diffuseursOf(db, publisher.id);
      const data = scopes.map(({ diffuseur, children }) => ({
        id: diffuseur.id,
        name: diffuseur.name,
        logo: diffuseur.logo,
        rules: children.map(ruleJson),
        ...(field !== undefined && value !== undefined
          ? {
              diffuse: !children.some(
                (c) => (EXCLUSION_OPERATORS as readonly string[]).includes(c.operator) && excludes(c, field, value),
              ),
            }
          : {}),
      }));
      return { ok: true, total: data.length, data };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v0/diffusion-rule",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Règles de diffusion"],
        summary: "Créer une règle de diffusion",
        description:
          "Ajoute une règle pour un ou plusieurs de vos diffuseurs. Idempotent : une règle identique existante est renvoyée. Une règle sur le même champ et la même valeur avec un autre opérateur donne 409. Prise en compte immédiate.",
        security: API_KEY_SECURITY,
        body: CreateBody,
        response: {
          201: Type.Object({
            ok: Type.Literal(true),
            total: Type.Integer(),
            data: Type.Array(Type.Object({ ...RuleSchema.properties, publisherId: Type.String() })),
          }),
          ...errorResponses(400, 401, 403, 409, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const publisher = currentPublisher(request);
      const { publisherIds, field, operator } = request.body;
      const value = request.body.value.trim();
      const fieldType = request.body.fieldType ?? "string";
      const problem = childRuleProblem(field, operator);
      if (problem) throw badRequest("INVALID_BODY", problem, [{ field: "field", message: problem }]);
      if (!value) throw badRequest("INVALID_BODY", "Le champ « value » ne doit pas être vide", [{ field: "value", message: "vide" }]);

      const wanted = new Set(publisherIds);
      const scopes = (await diffuseursOf(db, publisher.id)).filter((s) => wanted.has(s.diffuseur.id));
      if (scopes.length === 0) throw forbidden("Aucun des publisherIds ne diffuse vos missions : aucune règle créée");

      const created = await db.transaction().execute(async (trx) => {
        const out = [];
        for (const { root, children } of scopes) {
          const same = children.find((c) => c.field === field && c.value === value);
          if (same && (same.operator !== operator || same.field_type !== fieldType)) {
            throw conflict(
              `Une règle ${field} « ${value} » existe déjà avec l'opérateur ${same.operator} pour le diffuseur ${root.publisher_id} : supprimez-la d'abord`,
            );
          }
          const rule = same ?? (await addChildRule(trx, root, { field, fieldType, operator, value }, publisher.id));
          out.push({ ...ruleJson(rule), publisherId: root.publisher_id });
        }
        return out;
      });
      return reply.status(201).send({ ok: true, total: created.length, data: created });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    "/v0/diffusion-rule/:id",
    {
      onRequest: requireApiKey,
      schema: {
        tags: ["Règles de diffusion"],
        summary: "Supprimer une règle de diffusion",
        description: "Supprime une règle posée sur un de vos diffuseurs. Le droit de diffusion lui-même ne se supprime pas ici.",
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const publisher = currentPublisher(request);
      const { id } = request.params;
      const rule = /^[0-9a-f-]{36}$/i.test(id)
        ? await db.selectFrom("diffusion_rule").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst()
        : undefined;
      if (!rule) throw notFound("Règle introuvable");
      const parent = rule.combined_with_id
        ? await db.selectFrom("diffusion_rule").selectAll().where("id", "=", rule.combined_with_id).executeTakeFirst()
        : undefined;
      if (!parent || parent.field !== ROOT_FIELD || parent.value !== publisher.id) {
        throw forbidden("Cette règle ne porte pas sur vos missions : vous ne pouvez pas la supprimer");
      }
      await softDeleteRule(db, rule.id);
      return { ok: true };
    },
  );
}
