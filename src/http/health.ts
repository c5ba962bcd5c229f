/** `GET /` (text), `GET /health` (process up) and `GET /ready` (database reachable). */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { isReachable } from "../db/connection.ts";
import type { RouteContext } from "./app.ts";

const startedAt = new Date();

export async function healthRoutes(app: FastifyInstance, { db, catalog }: RouteContext) {
  app.get(
    "/",
    {
      schema: {
        tags: ["Service"],
        summary: "Le service tourne (une ligne de texte, comme aujourd'hui)",
        response: { 200: { description: "`API Engagement is running since … — documentation: /docs`", content: { "text/plain": { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      reply.type("text/plain; charset=utf-8");
      return `API Engagement is running since ${startedAt.toISOString()} — documentation: /docs\n`;
    },
  );

  app.get(
    "/health",
    {
      schema: {
        tags: ["Service"],
        summary: "Le processus répond",
        response: {
          200: Type.Object({ ok: Type.Boolean(), status: Type.Literal("up"), startedAt: Type.String({ format: "date-time" }) }),
        },
      },
    },
    async () => ({ ok: true, status: "up" as const, startedAt: startedAt.toISOString() }),
  );

  app.get(
    "/ready",
    {
      schema: {
        tags: ["Service"],
        summary: "La base de données est joignable et l'index de recherche chargé",
        response: {
          200: Type.Object({ ok: Type.Literal(true), database: Type.Literal("up"), searchIndex: Type.Literal("ready") }),
          503: Type.Object({
            ok: Type.Literal(false),
            code: Type.String(),
            database: Type.Union([Type.Literal("up"), Type.Literal("down")]),
            searchIndex: Type.Union([Type.Literal("ready"), Type.Literal("loading")]),
            message: Type.String(),
          }),
        },
      },
    },
    async (_request, reply) => {
      const database = (await isReachable(db)) ? ("up" as const) : ("down" as const);
      const searchIndex = catalog.loaded ? ("ready" as const) : ("loading" as const);
      if (database === "up" && searchIndex === "ready") return { ok: true as const, database, searchIndex };
      return reply.status(503).send({
        ok: false as const,
        code: "SERVICE_UNAVAILABLE",
        database,
        searchIndex,
        message: database === "down" ? "La base de données ne répond pas" : "L'index de recherche est en cours de chargement",
      });
    },
  );
}
