/**
 * API-key authentication for partner routes: `x-api-key` (or the legacy `apikey` header) must be an
 * active key of a live publisher. The publisher is then available as `request.publisher`, and the
 * per-key rate limit is applied.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/connection.ts";
import type { PublisherRow } from "../db/schema.ts";
import { type Authenticated, recordKeyUse } from "../publishers/api-keys.ts";
import { HttpError } from "./errors.ts";
import type { Limiter } from "./rate-limit.ts";

declare module "fastify" {
  interface FastifyRequest {
    publisher?: PublisherRow;
  }
}

const MAX_KEY_LENGTH = 200;

/** Keys sent in `x-api-key` then `apikey` (today's service tries both headers). */
function readKeys(request: FastifyRequest): string[] {
  const keys: string[] = [];
  for (const name of ["x-api-key", "apikey"]) {
    const value = request.headers[name];
    const key = (Array.isArray(value) ? value[0] : value)?.trim();
    if (key && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Resolves a key to its publisher (cached, kept coherent with the database's change feed). */
export type KeyResolver = (key: string) => Promise<Authenticated | undefined>;

export function apiKeyGuard(db: Db, resolve: KeyResolver, limiter: Limiter, limits: { publisherMax: number; ipMax: number }) {
  return async function requireApiKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const keys = readKeys(request);
    if (keys.length === 0) {
      await limiter.consume(`ip:${request.ip}`, limits.ipMax, reply);
      throw new HttpError(401, "UNAUTHORIZED", "Clé API manquante : envoyez votre clé dans l'en-tête x-api-key.");
    }
    let auth: Authenticated | undefined;
    for (const key of keys) {
      auth = key.length <= MAX_KEY_LENGTH ? await resolve(key) : undefined;
      if (auth) break;
    }
    if (!auth) {
      await limiter.consume(`ip:${request.ip}`, limits.ipMax, reply);
      throw new HttpError(401, "UNAUTHORIZED", "Clé API invalide ou révoquée : vérifiez la valeur de l'en-tête x-api-key.");
    }
    recordKeyUse(db, auth);
    request.publisher = auth.publisher;
    request.log = request.log.child({ publisher_id: auth.publisher.id });
    await limiter.consume(`publisher:${auth.publisher.id}`, limits.publisherMax, reply);
  };
}

/** The authenticated publisher; only call from routes behind `requireApiKey`. */
export function currentPublisher(request: FastifyRequest): PublisherRow {
  if (!request.publisher) throw new HttpError(401, "UNAUTHORIZED", "Authentification requise");
  return request.publisher;
}

/** The authenticated publisher, which must be an annonceur (403 otherwise). */
export function requireAnnonceur(request: FastifyRequest): PublisherRow {
  const publisher = currentPublisher(request);
  if (!publisher.is_annonceur) {
    throw new HttpError(403, "FORBIDDEN", "Votre compte partenaire n'est pas annonceur : il ne peut pas publier de missions. Contactez l'équipe API Engagement.");
  }
  return publisher;
}
