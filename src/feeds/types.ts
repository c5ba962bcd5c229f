/**
 * The shapes that flow through a feed import: the reader's XML elements, the normaliser's missions
 * and the problems reported to the annonceur. Each stage is its own module:
 *
 *   fetch.ts (SSRF-safe HTTP) → xml-reader.ts (streaming, on xml-scanner.ts) → feed-mission.ts (pure normalisation)
 *   → write.ts (batched upserts) → import.ts (one run, history, safety nets)
 */
import type { MissionDraft } from "../missions/draft.ts";
import type { AddressDraft } from "../missions/publish.ts";
import type { OrganizationPatch } from "../missions/organization-input.ts";
import type { MissionType } from "../db/schema.ts";

/**
 * One XML element of a feed. Attributes are ignored (as today). `text` is the element's own text:
 * its text and CDATA nodes concatenated, entities decoded once, trimmed ("" when none). Text stays
 * text: "00123" is never turned into 123.
 */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
  /** 1-based line of the opening tag in the feed, to point the annonceur at it. */
  line: number;
  /**
   * Set on a `<mission>` whose content went over the reader's size limits: its content was dropped
   * while reading (memory stays bounded) and the import skips it with a message.
   */
  oversized?: boolean;
}

export type ProblemOutcome = "refused" | "skipped" | "warning";

/**
 * Something the annonceur should fix, for one mission of the feed:
 * - `refused`: the mission is stored REFUSED (not diffused); `message` is the moderation message;
 * - `skipped`: the mission could not be read at all (no clientId, no organisation identifier,
 *   duplicate clientId, oversized…); a stored version of it, if any, is kept as it was;
 * - `warning`: the mission is imported, but one value was ignored or guessed (unreadable date…).
 */
export interface FeedProblem {
  clientId: string | null;
  line: number | null;
  /** Feed element the problem is about (`startAt`, `places`, `organizationSiren`…), or null. */
  field: string | null;
  /** French, says what to fix. */
  message: string;
  outcome: ProblemOutcome;
}

/** Publisher settings that change how a feed is read. */
export interface FeedSettings {
  missionType: MissionType | null;
  /** No automatic moderation (today's Service Civique behaviour, now a setting). */
  skipModeration: boolean;
  /** How `01/02/2025` is read: `dmy` (French, default) = 1 February; `mdy` = today's reading, 2 January. */
  dateOrder: "dmy" | "mdy";
  /** Organisation logo used when the feed gives none. */
  defaultOrganizationLogo: string | null;
}

/**
 * Mission columns from the feed. `posted_at` and `start_at` are null when the feed gives no usable
 * date: the writer then keeps the stored value, or uses the import start for a new mission.
 * `duration` is computed by the writer once the dates are final.
 */
export type FeedDraft = Omit<MissionDraft, "posted_at" | "start_at" | "duration"> & {
  posted_at: Date | null;
  start_at: Date | null;
};

export interface NormalizedFeedMission {
  clientId: string;
  draft: FeedDraft;
  addresses: AddressDraft[];
  /** The organisation, every field set (the feed states it whole). */
  organization: { clientId: string; patch: Required<OrganizationPatch> };
  statusCode: "ACCEPTED" | "REFUSED";
  /** Moderation message when refused, "" otherwise. */
  statusComment: string;
}

export type NormalizeResult =
  | { kind: "mission"; mission: NormalizedFeedMission; problems: FeedProblem[] }
  | { kind: "skipped"; clientId: string | null; problems: FeedProblem[] };
