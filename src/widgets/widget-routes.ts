/**
 * Widgets: the mission finder a diffuseur (with the widget right) embeds on its site.
 * `/v2/widgets` to manage them with its key, `/v2/widgets/:id/preview-count` for the number of
 * missions a configuration shows, `/v2/widgets/:id/embed` for the code to paste. A diffuseur only
 * sees and edits its own widgets, and only shows annonceurs its diffusion rules allow.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { type Static, Type } from "typebox";
import type { PublisherRow, WidgetRow } from "../db/schema.ts";
import { uuidv7 } from "../db/uuid7.ts";
import type { RouteContext } from "../http/app.ts";
import { currentPublisher } from "../http/auth.ts";
import { isUniqueViolation } from "../db/connection.ts";
import { badRequest, conflict, HttpError, notFound } from "../http/errors.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { DEFAULT_COLOR, DEFAULT_DISTANCE, distanceKmOf, MAX_PUBLISHERS, MAX_RULES, normalizeColor, RULE_FIELDS, ruleProblems, WIDGET_STYLES, WIDGET_TYPES, type WidgetProblem } from "./widget-config.ts";
import { embedCode } from "./widget-embed.ts";
import { countWidget } from "./widget-search.ts";

const Rule = Type.Object(
  {
    field: Type.String({ maxLength: 100, description: `Champ de la mission : ${Object.keys(RULE_FIELDS).join(", ")}` }),
    fieldType: Type.Optional(Type.String({ maxLength: 50 })),
    operator: Type.String({ maxLength: 50, description: "is, is_not, contains, does_not_contain, exists, does_not_exist" }),
    value: Type.String({ maxLength: 500 }),
    combinator: Type.Optional(Type.Union([Type.Literal("and"), Type.Literal("or")], { description: "Liaison avec la règle précédente (et / ou)" })),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    label: Type.String({ minLength: 1, maxLength: 200, description: "Nom du lieu affiché, par exemple « Lyon »" }),
  },
  { additionalProperties: false },
);
const Fields = {
  name: Type.String({ minLength: 3, maxLength: 200, description: "Nom du widget, unique parmi les vôtres (il devient le utm_campaign des redirections)" }),
  type: Type.Union(WIDGET_TYPES.map((t) => Type.Literal(t)), { description: "benevolat ou volontariat" }),
  style: Type.Union(WIDGET_STYLES.map((t) => Type.Literal(t)), { description: "page : grille de 6 missions par page ; carousel : carrousel" }),
  color: Type.String({ maxLength: 7, description: `Couleur d'accent, #RRGGBB (par défaut ${DEFAULT_COLOR})` }),
  publishers: Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_PUBLISHERS, description: "Annonceurs dont les missions sont montrées (vide : tous ceux que vous pouvez diffuser)" }),
  rules: Type.Array(Rule, { maxItems: MAX_RULES, description: "Filtre de base : mêmes opérateurs que les règles de diffusion" }),
  location: Type.Union([Location, Type.Null()], { description: "Lieu fixe ; sans lieu, celui du visiteur" }),
  distance: Type.String({ maxLength: 20, description: `Rayon autour du lieu, par exemple 25km (par défaut ${DEFAULT_DISTANCE})` }),
  moderatedOnly: Type.Boolean({ description: "Seulement les missions acceptées par un modérateur (jvaModeration aujourd'hui)" }),
  jvaModeration: Type.Boolean({ description: "Ancien nom de moderatedOnly" }),
  url: Type.Union([Type.String({ maxLength: 2000, description: "Page où le widget est intégré (information)" }), Type.Null()]),
  active: Type.Boolean({ description: "Un widget inactif n'affiche plus de missions" }),
};
const optional = Object.fromEntries(Object.entries(Fields).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof typeof Fields]: ReturnType<typeof Type.Optional<(typeof Fields)[K]>> };
const CreateBody = Type.Object({ ...optional, name: Fields.name }, { additionalProperties: false });
const UpdateBody = Type.Object(optional, { additionalProperties: false });
type Body = Static<typeof UpdateBody>;
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const Widget = Type.Object({
  _id: Type.String(),
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  style: Type.String(),
  color: Type.String(),
  publishers: Type.Array(Type.String()),
  rules: Type.Array(Rule),
  location: Type.Union([Location, Type.Null()]),
  distance: Type.String(),
  moderatedOnly: Type.Boolean(),
  jvaModeration: Type.Boolean(),
  url: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  fromPublisherId: Type.String(),
  pageUrl: Type.String({ description: "La page du widget (l'adresse de l'iframe)" }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const One = Type.Object({ ok: Type.Literal(true), data: Widget });
const SECURITY = { tags: ["Widgets"], security: API_KEY_SECURITY };

export async function widgetRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { db, catalog, config } = ctx;
  const toWidget = (row: WidgetRow) => ({
    _id: row.id,
    id: row.id,
    name: row.name,
    type: row.type,
    style: row.style,
    color: row.color,
    publishers: row.publishers,
    rules: row.rules,
    location: row.location,
    distance: row.distance,
    moderatedOnly: row.moderated_only,
    jvaModeration: row.moderated_only,
    url: row.url,
    active: row.active,
    fromPublisherId: row.diffuseur_id,
    pageUrl: `${config.publicUrl}/w/${row.id}`,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  });

  const requireWidgetRight = (request: FastifyRequest): PublisherRow => {
    const publisher = currentPublisher(request);
    if (!publisher.has_widget_rights) throw new HttpError(403, "FORBIDDEN", "Votre compte n'a pas le droit de créer des widgets : contactez l'équipe API Engagement.");
    return publisher;
  };
  const own = async (diffuseurId: string, id: string) => {
    const row = await db.selectFrom("widget").selectAll().where("id", "=", id).where("diffuseur_id", "=", diffuseurId).where("deleted_at", "is", null).executeTakeFirst();
    if (!row) throw notFound("Widget introuvable");
    return row;
  };

  /** The columns written for a body, every value checked (400 listing each problem). */
  const columnsOf = async (diffuseurId: string, body: Body) => {
    const problems: WidgetProblem[] = [];
    const columns: Record<string, unknown> = {};
    if (body.name !== undefined) {
      if (body.name.trim().length < 3) problems.push({ field: "name", message: "3 caractères au moins" });
      columns.name = body.name.trim();
    }
    if (body.type !== undefined) columns.type = body.type;
    if (body.style !== undefined) columns.style = body.style;
    if (body.color !== undefined) {
      const color = normalizeColor(body.color);
      if (!color) problems.push({ field: "color", message: `couleur #RRGGBB attendue (reçu « ${body.color} »)` });
      columns.color = color;
    }
    if (body.publishers !== undefined) {
      await catalog.fresh();
      const allowed = catalog.view(diffuseurId)?.annonceurs ?? new Set<string>();
      const refused = [...new Set(body.publishers)].filter((id) => !allowed.has(id));
      if (refused.length) problems.push({ field: "publishers", message: `annonceurs que vos règles de diffusion ne permettent pas de montrer : ${refused.join(", ")}` });
      columns.publishers = JSON.stringify([...new Set(body.publishers)]);
    }
    if (body.rules !== undefined) {
      problems.push(...ruleProblems(body.rules));
      columns.rules = JSON.stringify(body.rules);
    }
    if (body.location !== undefined) columns.location = body.location === null ? null : JSON.stringify({ ...body.location, label: body.location.label.trim() });
    if (body.distance !== undefined) {
      try {
        distanceKmOf(body.distance);
        columns.distance = body.distance.trim();
      } catch {
        problems.push({ field: "distance", message: `distance attendue, par exemple 25km ou 800m (reçu « ${body.distance} »)` });
      }
    }
    const moderated = body.moderatedOnly ?? body.jvaModeration;
    if (moderated !== undefined) columns.moderated_only = moderated;
    if (body.url !== undefined) {
      if (body.url !== null && !/^https?:\/\/[^\s]+$/i.test(body.url.trim())) problems.push({ field: "url", message: "adresse http ou https attendue" });
      columns.url = body.url?.trim() || null;
    }
    if (body.active !== undefined) columns.active = body.active;
    if (problems.length) throw badRequest("INVALID_BODY", `Configuration du widget invalide : ${problems.map((p) => `${p.field} : ${p.message}`).join(" ; ")}`, problems);
    return columns;
  };

  /** The unique index on (diffuseur, lower(name)) as a French 409. */
  const uniqueName = async <T>(name: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Vous avez déjà un widget nommé « ${name} »`);
      throw error;
    }
  };

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v2/widgets",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Créer un widget", body: CreateBody, response: { 201: One, ...errorResponses(400, 401, 403, 409, 429) } },
    },
    async (request, reply) => {
      const diffuseur = requireWidgetRight(request);
      const columns = await columnsOf(diffuseur.id, request.body);
      const row = await uniqueName(request.body.name.trim(), () =>
        db
          .insertInto("widget")
          .values({ ...columns, id: uuidv7(), diffuseur_id: diffuseur.id, name: columns.name as string } as never)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return reply.code(201).send({ ok: true, data: toWidget(row) });
    },
  );

  app.get(
    "/v2/widgets",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Lister mes widgets", response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Array(Widget), total: Type.Integer() }), ...errorResponses(401, 403, 429) } },
    },
    async (request) => {
      const diffuseur = requireWidgetRight(request);
      const rows = await db.selectFrom("widget").selectAll().where("diffuseur_id", "=", diffuseur.id).where("deleted_at", "is", null).orderBy("created_at", "desc").execute();
      return { ok: true as const, data: rows.map(toWidget), total: rows.length };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/v2/widgets/:id",
    { onRequest: ctx.requireApiKey, schema: { ...SECURITY, summary: "Consulter un widget", params: IdParams, response: { 200: One, ...errorResponses(401, 403, 404, 429) } } },
    async (request) => ({ ok: true as const, data: toWidget(await own(requireWidgetRight(request).id, request.params.id)) }),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Body }>(
    "/v2/widgets/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Modifier un widget", description: "Seuls les champs envoyés changent ; la page du widget suit aussitôt.", params: IdParams, body: UpdateBody, response: { 200: One, ...errorResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request) => {
      const diffuseur = requireWidgetRight(request);
      const current = await own(diffuseur.id, request.params.id);
      const columns = await columnsOf(diffuseur.id, request.body);
      const row = await uniqueName((columns.name as string | undefined) ?? current.name, () =>
        db
          .updateTable("widget")
          .set({ ...columns, updated_at: sql<Date>`now()` } as never)
          .where("id", "=", current.id)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return { ok: true as const, data: toWidget(row) };
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    "/v2/widgets/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Supprimer un widget", description: "La page du widget répond 404 ; les liens déjà cliqués restent comptés.", params: IdParams, response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errorResponses(401, 403, 404, 429) } },
    },
    async (request) => {
      const current = await own(requireWidgetRight(request).id, request.params.id);
      await db.updateTable("widget").set({ deleted_at: new Date(), updated_at: new Date() }).where("id", "=", current.id).execute();
      return { ok: true as const };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/v2/widgets/:id/preview-count",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        ...SECURITY,
        summary: "Nombre de missions affichées par le widget",
        description: "Avec la configuration enregistrée, avant tout filtre du visiteur (le lieu fixe du widget s'applique), à l'instant de la requête.",
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Object({ count: Type.Integer() }) }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const diffuseur = requireWidgetRight(request);
      const widget = await own(diffuseur.id, request.params.id);
      await catalog.fresh();
      const view = catalog.view(diffuseur.id);
      const count = view ? countWidget(catalog.engine, view, widget, () => catalog.moderatedIds()) : 0;
      return { ok: true as const, data: { count } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/v2/widgets/:id/embed",
    {
      onRequest: ctx.requireApiKey,
      schema: {
        ...SECURITY,
        summary: "Code à intégrer",
        description: "Une iframe et le petit script qui ajuste sa hauteur à son contenu : à coller dans la page où le widget doit apparaître.",
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Object({ url: Type.String(), html: Type.String() }) }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const widget = await own(requireWidgetRight(request).id, request.params.id);
      return { ok: true as const, data: embedCode(config.publicUrl, widget) };
    },
  );
}
