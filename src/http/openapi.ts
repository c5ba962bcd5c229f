/**
 * OpenAPI 3.1 generated from the route schemas (`GET /openapi.json`) and a browsable page (`GET /docs`).
 * Shared schemas are registered once with an `$id` and referenced by routes as `{ $ref: "Name#" }`.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { Config } from "../config.ts";
import { API_DESCRIPTION } from "./api-description.ts";

export const ErrorSchema = Type.Object(
  {
    ok: Type.Literal(false),
    code: Type.String({ description: "Code d'erreur stable", examples: ["NOT_FOUND"] }),
    message: Type.String({ description: "Explication en français de ce qu'il faut corriger" }),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
        description: "Détail par champ pour les erreurs de validation",
      }),
    ),
  },
  { $id: "ErrorResponse", title: "Erreur" },
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Paramètres ou corps invalides (`INVALID_QUERY`, `INVALID_PARAMS`, `INVALID_BODY`) ; le message nomme le champ à corriger",
  401: "Clé API manquante, invalide ou révoquée (`UNAUTHORIZED`)",
  403: "Action non autorisée pour ce partenaire (`FORBIDDEN`)",
  404: "Ressource introuvable ou non visible pour ce partenaire (`NOT_FOUND`)",
  409: "La ressource existe déjà (`RESSOURCE_ALREADY_EXIST`)",
  413: "Corps de requête trop volumineux (`PAYLOAD_TOO_LARGE`)",
  415: "Corps qui n'est pas du JSON (`UNSUPPORTED_MEDIA_TYPE`) ; un JSON envoyé sans `Content-Type` (`curl -d`) est accepté",
  429: "Limite de débit atteinte (`TOO_MANY_REQUESTS`) ; voir les en-têtes `X-RateLimit-*` et `Retry-After`",
};

/** Response schemas for the given error statuses, for a route's `schema.response`. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = { description: ERROR_DESCRIPTIONS[status] ?? "Erreur", $ref: "ErrorResponse#" };
  }
  return out;
}

/** Errors every API-key route can answer. */
export const AUTHENTICATED_ERRORS = [400, 401, 429] as const;

export const API_KEY_SECURITY: Record<string, string[]>[] = [{ ApiKeyAuth: [] }, { LegacyApiKeyAuth: [] }];

export async function registerDocs(app: FastifyInstance, config: Config): Promise<void> {
  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "API Engagement",
        version: "2.0",
        description: API_DESCRIPTION,
        license: { name: "MIT", identifier: "MIT" },
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          ApiKeyAuth: { type: "apiKey", in: "header", name: "x-api-key", description: "Clé API du partenaire" },
          LegacyApiKeyAuth: { type: "apiKey", in: "header", name: "apikey", description: "Ancien nom de l'en-tête, toujours accepté" },
        },
      },
      tags: [
        { name: "Missions", description: "Publication des missions par les annonceurs (v2)" },
        { name: "Mes missions", description: "Consultation des missions publiées par votre organisation (v0)" },
        { name: "Partenaires", description: "Diffuseurs qui diffusent vos missions" },
        { name: "Règles de diffusion", description: "Quels diffuseurs montrent quelles missions" },
        { name: "Organisations", description: "Diffusion par organisation" },
        { name: "Service", description: "État du service" },
        { name: "Suivi", description: "Liens suivis : clics, redirections vers les pages de candidature" },
        { name: "Campagnes", description: "Liens suivis d'un diffuseur vers la page d'un annonceur" },
        { name: "Missions (diffuseurs)", description: "Recherche des missions à diffuser" },
        { name: "Flux", description: "Import des flux XML des annonceurs" },
        { name: "Alertes", description: "Ce que le service a remarqué sur votre compte : flux vide ou en erreur, suivi cassé, robots…" },
        { name: "Statistiques", description: "Impressions, redirections, créations de compte et candidatures, exactes et à jour" },
      ],
    },
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === "string" ? json.$id : `def-${i}`;
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { docExpansion: "list", deepLinking: true, defaultModelsExpandDepth: 0 },
    theme: { title: "API Engagement — documentation" },
    staticCSP: true,
    // The service may be served over plain HTTP (local, demo): do not force https sub-resources.
    // Swagger UI sets inline styles on its elements (no inline scripts are allowed).
    transformStaticCSP: (header) =>
      header.replace(/\s*upgrade-insecure-requests;?/, "").replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline' https:"),
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Route option: serialize with JSON.stringify, keeping the handler's key order. fast-json-stringify
 * moves optional properties after required ones, which would break today's field order where some
 * fields (the first-address fields) are present only when they apply.
 */
export const keepFieldOrder = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };
