/**
 * The error envelope `{ ok: false, code, message }` with stable codes, and the translation of
 * validation failures into French messages that name the offending field.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

export type ErrorCode =
  | "INVALID_QUERY"
  | "INVALID_PARAMS"
  | "INVALID_BODY"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "RESSOURCE_ALREADY_EXIST"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "SERVICE_UNAVAILABLE"
  | "SERVER_ERROR";

export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: ErrorCode,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (code: "INVALID_QUERY" | "INVALID_PARAMS" | "INVALID_BODY", message: string, details?: unknown) =>
  new HttpError(400, code, message, details);
export const notFound = (message: string) => new HttpError(404, "NOT_FOUND", message);
export const forbidden = (message: string) => new HttpError(403, "FORBIDDEN", message);
export const conflict = (message: string) => new HttpError(409, "RESSOURCE_ALREADY_EXIST", message);

interface AjvIssue {
  instancePath?: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const CONTEXT_CODE: Record<string, "INVALID_QUERY" | "INVALID_PARAMS" | "INVALID_BODY"> = {
  querystring: "INVALID_QUERY",
  params: "INVALID_PARAMS",
  body: "INVALID_BODY",
  headers: "INVALID_QUERY",
};

function fieldName(issue: AjvIssue): string {
  const path = (issue.instancePath ?? "")
    .split("/")
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
  if (issue.keyword === "required") {
    const missing = String(issue.params.missingProperty ?? "");
    return path ? `${path}.${missing}` : missing;
  }
  return path;
}

const TYPE_LABELS: Record<string, string> = {
  string: "une chaîne de caractères",
  integer: "un entier",
  number: "un nombre",
  boolean: "un booléen (true ou false)",
  array: "un tableau",
  object: "un objet",
  null: "null",
};

/** One French sentence per validation issue, naming the field. */
export function describeIssue(issue: AjvIssue, context: string): { field: string; message: string } {
  const field = fieldName(issue) || (context === "body" ? "corps de la requête" : "paramètres");
  const p = issue.params;
  const label = `« ${field} »`;
  let message: string;
  switch (issue.keyword) {
    case "required":
      message = `Le champ ${label} est obligatoire`;
      break;
    case "type": {
      const types = String(p.type ?? "")
        .split(",")
        .map((t) => TYPE_LABELS[t] ?? t);
      message = `Le champ ${label} doit être ${types.join(" ou ")}`;
      break;
    }
    case "enum":
      message = `Le champ ${label} doit valoir l'une des valeurs : ${((p.allowedValues as unknown[]) ?? []).join(", ")}`;
      break;
    case "minimum":
      message = `Le champ ${label} doit être supérieur ou égal à ${String(p.limit)}`;
      break;
    case "exclusiveMinimum":
      message = `Le champ ${label} doit être strictement supérieur à ${String(p.limit)}`;
      break;
    case "maximum":
      message = `Le champ ${label} doit être inférieur ou égal à ${String(p.limit)}`;
      break;
    case "minLength":
      message =
        p.limit === 1 ? `Le champ ${label} ne doit pas être vide` : `Le champ ${label} doit contenir au moins ${String(p.limit)} caractères`;
      break;
    case "maxLength":
      message = `Le champ ${label} ne doit pas dépasser ${String(p.limit)} caractères`;
      break;
    case "minItems":
      message = `Le champ ${label} doit contenir au moins ${String(p.limit)} élément(s)`;
      break;
    case "maxItems":
      message = `Le champ ${label} ne doit pas contenir plus de ${String(p.limit)} éléments`;
      break;
    case "format":
      message = `Le champ ${label} n'est pas au format attendu (${String(p.format)})`;
      break;
    case "pattern":
      message = `Le champ ${label} n'est pas au format attendu`;
      break;
    case "additionalProperties":
      message = `Le champ « ${String(p.additionalProperty)} » n'est pas accepté`;
      break;
    default:
      message = `Le champ ${label} est invalide (${issue.message ?? issue.keyword})`;
  }
  return { field, message };
}

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return reply.status(status).type("application/json; charset=utf-8").send({ ok: false, code, message, ...extra });
}

export function errorHandler(error: FastifyError & { validation?: AjvIssue[]; validationContext?: string }, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    return send(reply, error.statusCode, error.code, error.message, error.details ? { errors: error.details } : {});
  }
  if (error.validation) {
    const context = error.validationContext ?? "body";
    const errors = error.validation.map((issue) => describeIssue(issue, context));
    return send(reply, 400, CONTEXT_CODE[context] ?? "INVALID_BODY", errors.map((e) => e.message).join(" ; "), { errors });
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return send(reply, 413, "PAYLOAD_TOO_LARGE", "Le corps de la requête est trop volumineux");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return send(reply, 415, "UNSUPPORTED_MEDIA_TYPE", "Type de contenu non pris en charge : envoyez du JSON (Content-Type: application/json)");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return send(reply, 400, "INVALID_BODY", "Le corps de la requête est vide alors que du JSON est attendu");
  }
  if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return send(reply, 400, "INVALID_BODY", "Le corps de la requête n'est pas un JSON valide");
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return send(reply, error.statusCode, "INVALID_BODY", error.message);
  }
  request.log.error({ err: error }, "unhandled error");
  return send(reply, 500, "SERVER_ERROR", "Erreur interne du serveur. Réessayez ; si le problème persiste, contactez l'équipe en citant l'identifiant x-request-id.");
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 404, "NOT_FOUND", `Route introuvable : ${request.method} ${request.url.split("?")[0]}`);
}

/** Errors of the router (bad URL encoding, path parameter too long) in the error envelope. */
export function notFoundOrBadRequest(error: FastifyError, reply: FastifyReply) {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    return send(reply, 414, "INVALID_PARAMS", "Un paramètre du chemin est trop long");
  }
  return send(reply, 400, "INVALID_PARAMS", "L'URL de la requête est mal formée");
}
