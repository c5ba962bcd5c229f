/**
 * Request validation: query strings and path parameters arrive as text, so they are coerced to the
 * declared types ("limit=10" → 10, "domain=a" → ["a"]); JSON bodies are validated strictly (a number
 * where text is expected is an error, not converted). Unknown body keys are dropped, as today.
 */
import { Ajv, type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchema, FastifySchemaCompiler } from "fastify";

const common: Options = { removeAdditional: true, useDefaults: true, allErrors: true, strict: false };

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats.default(ajv);
  return ajv;
}

/** A Fastify validator compiler using the right Ajv for each part of the request. */
export function createValidatorCompiler(sharedSchemas: () => Record<string, unknown>): FastifySchemaCompiler<FastifySchema> {
  const forText = build({ coerceTypes: "array" });
  const forBody = build({ coerceTypes: false });
  let registered = false;
  return ({ schema, httpPart }) => {
    if (!registered) {
      for (const shared of Object.values(sharedSchemas())) {
        forText.addSchema(shared as object);
        forBody.addSchema(shared as object);
      }
      registered = true;
    }
    // Documented here, parsed and validated by the route itself (legacy syntaxes Ajv cannot express).
    if ((schema as Record<string, unknown>)["x-documentation-only"]) return () => true;
    const ajv = httpPart === "body" ? forBody : forText;
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
  };
}
