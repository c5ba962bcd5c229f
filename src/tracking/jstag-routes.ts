/**
 * `GET /jstag.js` and `GET /jstag.v1.js`: the tracking tag annonceurs and diffuseurs load on their
 * pages (jstag/jstag.js). Read once at start; any site may load it (CORS, CORP cross-origin) and
 * keep it an hour; a strong ETag answers 304 to a revalidation. `/jstag.v1.js` is the URL that stays
 * v1-compatible when a v2 comes (the same file for now).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { notModified } from "../http/conditional.ts";

const SOURCE = fileURLToPath(new URL("./jstag/jstag.js", import.meta.url));

export async function jstagRoutes(app: FastifyInstance): Promise<void> {
  const body = await readFile(SOURCE);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;

  for (const [url, summary, description] of [
    [
      "/jstag.js",
      "Balise de suivi jstag.js",
      "Script à charger sur les pages des partenaires avec l'extrait fourni (`apieng(\"config\", \"<identifiant>\")`). Il mémorise le clic à l'arrivée (`apiengagement_id`), envoie `trackApplication` et `trackAccount` vers `/r/apply` et `/r/account`, confirme un visiteur humain et compte les impressions des éléments `tracker_counter`. Mis en cache une heure ; `ETag` et `If-None-Match` (304).",
    ],
    [
      "/jstag.v1.js",
      "Balise de suivi jstag.js, version 1 figée",
      "Le même script à une adresse qui restera compatible avec la version 1 (commandes, cookie, requêtes envoyées) quand une version 2 paraîtra. À utiliser par les partenaires qui veulent éviter tout changement.",
    ],
  ] as const) {
    app.get(
      url,
      {
        schema: {
          tags: ["Suivi"],
          summary,
          description,
          response: {
            200: { description: "Le script (JavaScript)", content: { "application/javascript": { schema: { type: "string" } } } },
            304: { type: "null", description: "Inchangé depuis l'ETag envoyé dans If-None-Match" },
          },
        },
      },
      async (request, reply) => {
        reply
          .header("access-control-allow-origin", "*")
          .header("cross-origin-resource-policy", "cross-origin")
          .header("x-content-type-options", "nosniff")
          .header("cache-control", "public, max-age=3600")
          .header("etag", etag);
        if (notModified(request, etag)) return reply.code(304).send();
        return reply.type("application/javascript; charset=utf-8").send(body);
      },
    );
  }
}
