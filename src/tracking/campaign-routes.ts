/**
 * Campaigns: tracked links a diffuseur (with the campaign right) makes for one annonceur's page.
 * `/v2/campaigns` to manage them with its key; `/r/campaign/:id` records the click and redirects
 * with the campaign's tracker parameters and `apiengagement_id`; `/r/impression/campaign/:id`
 * counts a link shown on a page.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { type Static, Type } from "typebox";
import type { CampaignRow, PublisherRow } from "../db/schema.ts";
import { uuidv7 } from "../db/uuid7.ts";
import { currentPublisher } from "../http/auth.ts";
import { isUniqueViolation } from "../db/connection.ts";
import { badRequest, conflict, HttpError, notFound } from "../http/errors.ts";
import { API_KEY_SECURITY, errorResponses } from "../http/openapi.ts";
import { slugify } from "../taxonomy/slug.ts";
import { cleanIdParam } from "./link-targets.ts";
import { redirect, type TrackingContext } from "./redirect-routes.ts";
import { clientAddress, visitorOf } from "./visitor.ts";
import { recordEvent } from "./tracking.ts";
import { parseDestination, trackedUrl } from "./tracked-url.ts";

const Tracker = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_.\\-]+$" }),
  value: Type.String({ maxLength: 500 }),
});
const Fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: Type.String({ minLength: 1, maxLength: 2000, description: "Page de destination (http ou https)" }),
  toPublisherId: Type.String({ maxLength: 64, description: "L'annonceur dont la campagne mène à la page" }),
  trackers: Type.Array(Tracker, { maxItems: 20, description: "Paramètres ajoutés à l'URL ; par défaut utm_source=api_engagement, utm_medium=campaign, utm_campaign=<nom>" }),
  active: Type.Boolean(),
};
const CreateBody = Type.Object({ name: Fields.name, url: Fields.url, toPublisherId: Fields.toPublisherId, trackers: Type.Optional(Fields.trackers), active: Type.Optional(Fields.active) });
const UpdateBody = Type.Partial(Type.Object(Fields));
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const Campaign = Type.Object({
  _id: Type.String(),
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  trackers: Type.Array(Tracker),
  fromPublisherId: Type.String(),
  toPublisherId: Type.String(),
  active: Type.Boolean(),
  link: Type.String({ description: "Le lien suivi à diffuser" }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const One = Type.Object({ ok: Type.Literal(true), data: Campaign });

const SECURITY = { tags: ["Campagnes"], security: API_KEY_SECURITY };

export async function campaignRoutes(app: FastifyInstance, ctx: TrackingContext): Promise<void> {
  const { db } = ctx;
  const toCampaign = (row: CampaignRow) => ({
    _id: row.id,
    id: row.id,
    name: row.name,
    url: row.url,
    trackers: row.trackers,
    fromPublisherId: row.diffuseur_id,
    toPublisherId: row.annonceur_id,
    active: row.active,
    link: `${ctx.config.publicUrl}/r/campaign/${row.id}`,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  });

  const requireCampaignRight = (request: FastifyRequest): PublisherRow => {
    const publisher = currentPublisher(request);
    if (!publisher.has_campaign_rights) throw new HttpError(403, "FORBIDDEN", "Votre compte n'a pas le droit de créer des campagnes : contactez l'équipe API Engagement.");
    return publisher;
  };
  const own = async (diffuseurId: string, id: string) => {
    const row = await db.selectFrom("campaign").selectAll().where("id", "=", id).where("diffuseur_id", "=", diffuseurId).where("deleted_at", "is", null).executeTakeFirst();
    if (!row) throw notFound("Campagne introuvable");
    return row;
  };
  const checkDestination = (url: string) => {
    const parsed = parseDestination(url);
    if (!parsed) throw badRequest("INVALID_BODY", "url doit être une adresse http ou https", [{ field: "url", message: "adresse http(s) attendue" }]);
    return parsed.toString();
  };
  const checkAnnonceur = async (id: string) => {
    const annonceur = await db.selectFrom("publisher").select("id").where("id", "=", id).where("is_annonceur", "=", true).where("deleted_at", "is", null).executeTakeFirst();
    if (!annonceur) throw badRequest("INVALID_BODY", `toPublisherId : annonceur inconnu (${id})`, [{ field: "toPublisherId", message: "annonceur inconnu" }]);
  };
  /** The unique index on (diffuseur, lower(name)) as a French 409. */
  const uniqueName = async <T>(name: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Vous avez déjà une campagne nommée « ${name} »`);
      throw error;
    }
  };

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v2/campaigns",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Créer une campagne (lien suivi)", body: CreateBody, response: { 201: One, ...errorResponses(400, 401, 403, 409, 429) } },
    },
    async (request, reply) => {
      const diffuseur = requireCampaignRight(request);
      const body = request.body;
      const url = checkDestination(body.url);
      await checkAnnonceur(body.toPublisherId);
      const trackers = body.trackers ?? [
        { key: "utm_source", value: "api_engagement" },
        { key: "utm_medium", value: "campaign" },
        { key: "utm_campaign", value: slugify(body.name) },
      ];
      const row = await uniqueName(body.name, () =>
        db
          .insertInto("campaign")
          .values({ id: uuidv7(), diffuseur_id: diffuseur.id, annonceur_id: body.toPublisherId, name: body.name.trim(), url, trackers: JSON.stringify(trackers), active: body.active ?? true })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return reply.code(201).send({ ok: true, data: toCampaign(row) });
    },
  );

  app.get(
    "/v2/campaigns",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Lister mes campagnes", response: { 200: Type.Object({ ok: Type.Literal(true), data: Type.Array(Campaign), total: Type.Integer() }), ...errorResponses(401, 403, 429) } },
    },
    async (request) => {
      const diffuseur = requireCampaignRight(request);
      const rows = await db.selectFrom("campaign").selectAll().where("diffuseur_id", "=", diffuseur.id).where("deleted_at", "is", null).orderBy("created_at", "desc").execute();
      return { ok: true as const, data: rows.map(toCampaign), total: rows.length };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/v2/campaigns/:id",
    { onRequest: ctx.requireApiKey, schema: { ...SECURITY, summary: "Consulter une campagne", params: IdParams, response: { 200: One, ...errorResponses(401, 403, 404, 429) } } },
    async (request) => ({ ok: true as const, data: toCampaign(await own(requireCampaignRight(request).id, request.params.id)) }),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    "/v2/campaigns/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Modifier une campagne", params: IdParams, body: UpdateBody, response: { 200: One, ...errorResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request) => {
      const diffuseur = requireCampaignRight(request);
      const current = await own(diffuseur.id, request.params.id);
      const body = request.body;
      if (body.toPublisherId !== undefined) await checkAnnonceur(body.toPublisherId);
      const row = await uniqueName(body.name ?? current.name, () =>
        db
          .updateTable("campaign")
          .set({
            ...(body.name !== undefined ? { name: body.name.trim() } : {}),
            ...(body.url !== undefined ? { url: checkDestination(body.url) } : {}),
            ...(body.toPublisherId !== undefined ? { annonceur_id: body.toPublisherId } : {}),
            ...(body.trackers !== undefined ? { trackers: JSON.stringify(body.trackers) } : {}),
            ...(body.active !== undefined ? { active: body.active } : {}),
            updated_at: sql<Date>`now()`,
          })
          .where("id", "=", current.id)
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return { ok: true as const, data: toCampaign(row) };
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    "/v2/campaigns/:id",
    {
      onRequest: ctx.requireApiKey,
      schema: { ...SECURITY, summary: "Supprimer une campagne", description: "Le lien continue de rediriger (il a pu être imprimé ou envoyé).", params: IdParams, response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errorResponses(401, 403, 404, 429) } },
    },
    async (request) => {
      const current = await own(requireCampaignRight(request).id, request.params.id);
      await db.updateTable("campaign").set({ deleted_at: new Date(), updated_at: new Date() }).where("id", "=", current.id).execute();
      return { ok: true as const };
    },
  );

  // ── Public links ────────────────────────────────────────────────────────────────────────────
  /** Today's cleaning: cut at the first character outside [A-Za-z0-9-], and badly pasted 24-hex ids cut to 24. */
  const campaignId = (raw: string) => {
    const id = cleanIdParam(raw);
    return id.length > 24 && !id.includes("-") ? id.slice(0, 24) : id;
  };
  const findCampaign = (id: string) => db.selectFrom("campaign").selectAll().where("id", "=", campaignId(id)).executeTakeFirst();

  app.get<{ Params: Static<typeof IdParams> }>(
    "/r/campaign/:id",
    {
      logLevel: "warn",
      schema: {
        tags: ["Suivi"],
        summary: "Lien suivi d'une campagne",
        description: "Enregistre le clic (sauf robots) et redirige vers la page de la campagne avec ses paramètres et `apiengagement_id`. Le lien d'une campagne supprimée ou désactivée redirige toujours.",
        params: IdParams,
      },
    },
    async (request, reply) => {
      const campaign = await findCampaign(request.params.id);
      const destination = parseDestination(campaign?.url);
      if (!campaign || !destination) return redirect(reply, ctx.config.tracking.fallbackUrl);
      for (const { key, value } of campaign.trackers) destination.searchParams.set(key, value);
      const who = visitorOf(request.raw, ctx.keys.fingerprint);
      if (!who || !ctx.limit.allow(clientAddress(request.raw))) return redirect(reply, destination.toString());
      const clickId = recordEvent(ctx, "click", { source: "campaign", source_id: campaign.id, from_publisher_id: campaign.diffuseur_id, to_publisher_id: campaign.annonceur_id, ...who });
      return redirect(reply, trackedUrl(destination, { clickId }));
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    "/r/impression/campaign/:id",
    {
      logLevel: "warn",
      schema: { tags: ["Suivi"], summary: "Impression d'un lien de campagne (balise)", description: "200 avec l'identifiant de l'événement, 204 pour un robot, 404 pour une campagne inconnue.", params: IdParams },
    },
    async (request, reply) => {
      const who = visitorOf(request.raw, ctx.keys.fingerprint);
      if (!who) return reply.code(204).send();
      ctx.limit.admitBeacon(clientAddress(request.raw), reply);
      const campaign = await findCampaign(request.params.id);
      if (!campaign) return reply.code(404).send({ ok: false, code: "NOT_FOUND", message: "Campagne inconnue" });
      const id = recordEvent(ctx, "impression", { source: "campaign", source_id: campaign.id, tags: ["link"], from_publisher_id: campaign.diffuseur_id, to_publisher_id: campaign.annonceur_id, ...who });
      return reply.send({ ok: true, id, data: { _id: id, type: "print" } });
    },
  );
}
