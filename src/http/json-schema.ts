/**
 * Small builders for route schemas. Nullable scalars are JSON-schema type arrays (OpenAPI 3.1), so
 * that `null` is never coerced to 0, "" or false by validation.
 */
import { Type } from "typebox";

type Opts = Record<string, unknown>;
const withDescription = (description?: string | Opts): Opts => (typeof description === "string" ? { description } : (description ?? {}));

export const NStr = (d?: string | Opts) => Type.Unsafe<string | null>({ type: ["string", "null"], ...withDescription(d) });
export const NNum = (d?: string | Opts) => Type.Unsafe<number | null>({ type: ["number", "null"], ...withDescription(d) });
export const NInt = (d?: string | Opts) => Type.Unsafe<number | null>({ type: ["integer", "null"], ...withDescription(d) });
export const NBool = (d?: string | Opts) => Type.Unsafe<boolean | null>({ type: ["boolean", "null"], ...withDescription(d) });
export const NDate = (d?: string | Opts) =>
  Type.Unsafe<string | null>({ type: ["string", "null"], format: "date-time", ...withDescription(d) });
/** The legacy "yes"/"no" strings of v0 booleans. */
export const YesNo = (description: string) =>
  Type.Unsafe<"yes" | "no" | null>({
    type: ["string", "null"],
    enum: ["yes", "no", null],
    description: `${description} (chaîne "yes"/"no", format historique)`,
  });
