/**
 * Closed vocabularies of a mission, shared by the normalisers and moderation.
 */

/** Remote work: on site only, possible (hybrid), fully remote, or local (the legacy 4th value). */
export const REMOTE_VALUES = ["no", "possible", "full", "local"] as const;
export type RemoteValue = (typeof REMOTE_VALUES)[number];

export const COMPENSATION_UNITS = ["hour", "day", "month", "year"] as const;
export type CompensationUnit = (typeof COMPENSATION_UNITS)[number];

export const COMPENSATION_TYPES = ["gross", "net"] as const;
export type CompensationType = (typeof COMPENSATION_TYPES)[number];

export function isRemoteValue(v: unknown): v is RemoteValue {
  return typeof v === "string" && (REMOTE_VALUES as readonly string[]).includes(v);
}

export function isCompensationUnit(v: unknown): v is CompensationUnit {
  return typeof v === "string" && (COMPENSATION_UNITS as readonly string[]).includes(v);
}

export function isCompensationType(v: unknown): v is CompensationType {
  return typeof v === "string" && (COMPENSATION_TYPES as readonly string[]).includes(v);
}
