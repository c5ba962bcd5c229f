/**
 * Helpers of the contract test: read the published OpenAPI document and derive strict JSON schemas
 * from it. The published schemas declare no `required` field and allow any extra property, so any
 * JSON object validates against them; the strict version makes every declared property required
 * and forbids undeclared ones, and the test then relaxes or extends it, by name, where legacy-api.md
 * shows the running service differs (see the tables in openapi-contract.test.ts).
 */
import fs from "node:fs";
import { parse } from "yaml";

// The schemas are plain JSON objects edited in place: `any` keeps the edits readable.
export type Schema = { [key: string]: any };

/** The published document with OpenAPI 3.0 `nullable: true` turned into JSON Schema ("null" type and enum value). */
export function readContract(file: string): Schema {
  return toJsonSchema(parse(fs.readFileSync(file, "utf8"))) as Schema;
}

function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === "example" || key === "examples" || key === "nullable") continue;
    out[key] = toJsonSchema(value);
  }
  if ((node as Schema).nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/** `#/components/schemas/X` of the document. */
export function componentOf(document: Schema, ref: string): Schema {
  const name = ref.replace("#/components/schemas/", "");
  const schema = document.components.schemas[name];
  if (!schema) throw new Error(`${ref}: not in the published document`);
  return schema;
}

/** The 200 JSON response schema of a published `GET` path. */
export function responseOf(document: Schema, path: string, status = "200"): Schema {
  const schema = document.paths[path]?.get?.responses?.[status]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`GET ${path} ${status}: no JSON schema in the published document`);
  return schema;
}

/**
 * One object schema from an `allOf` of object schemas (resolved `$ref`s; a later part overrides an
 * earlier one's property). `additionalProperties: false` only sees the properties of its own
 * (sub)schema, so the strict version needs them all in one place.
 */
export function flattenAllOf(document: Schema, schema: Schema): Schema {
  if (!schema.allOf) return structuredClone(schema);
  const out: Schema = { type: "object", properties: {} };
  for (const part of schema.allOf as Schema[]) {
    const resolved = flattenAllOf(document, part.$ref ? componentOf(document, part.$ref) : part);
    Object.assign(out.properties, structuredClone(resolved.properties ?? {}));
  }
  return out;
}

/**
 * Strict copy of a published schema: every object with declared `properties` requires all of them
 * and allows no other (recursively, through `items` and nested objects). `$ref`s to components are
 * rewritten by `ref` (to point at the strict version of the component).
 */
export function strictify(schema: Schema, ref: (published: string) => string): Schema {
  if (schema.$ref) return { $ref: ref(schema.$ref) };
  const out: Schema = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Schema).map(([k, v]) => [k, strictify(v, ref)]));
    out.required = Object.keys(out.properties);
    out.additionalProperties = false;
  }
  if (out.items) out.items = strictify(out.items, ref);
  return out;
}

/** The property is not returned at all: no longer required, and forbidden by `additionalProperties: false`. */
export function omit(schema: Schema, field: string): void {
  if (!schema.properties?.[field]) throw new Error(`omit ${field}: not declared by the published schema`);
  delete schema.properties[field];
  schema.required = (schema.required as string[]).filter((f) => f !== field);
}

/** The property is declared but only sometimes present. */
export function optional(schema: Schema, field: string): void {
  if (!schema.properties?.[field]) throw new Error(`optional ${field}: not declared by the published schema`);
  schema.required = (schema.required as string[]).filter((f) => f !== field);
}

/** The published property, with another type (following the running service). */
export function retype(schema: Schema, field: string, type: Schema): void {
  if (!schema.properties?.[field]) throw new Error(`retype ${field}: not declared by the published schema`);
  schema.properties[field] = { ...schema.properties[field], ...type };
}

/** A property the published schema does not declare but the running service returns. */
export function add(schema: Schema, field: string, type: Schema, presence: "always" | "optional"): void {
  if (schema.properties?.[field]) throw new Error(`add ${field}: already declared by the published schema`);
  schema.properties[field] = type;
  if (presence === "always") schema.required = [...(schema.required as string[]), field];
}
