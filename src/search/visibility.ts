/**
 * Which missions a diffuseur may see, from the diffusion rules (pure; no I/O).
 *
 * - A root rule of diffuseur D `{field: "publisherId", operator: "is", value: A}` lets D show the live
 *   ACCEPTED missions of annonceur A that satisfy every child rule of that root.
 * - D always sees its own missions.
 * - A moderator diffuseur sees only the missions it has ACCEPTED, with its title when it set one.
 * - Deleted publishers are invisible (as annonceurs) and see nothing (as diffuseurs).
 * A child rule this service cannot evaluate (unknown field or operator, e.g. migrated legacy data)
 * hides the whole scope rather than showing missions the annonceur may have excluded.
 */
import { ORGANIZATION_CLIENT_ID, PARENT_ORGANIZATIONS, ROOT_FIELD } from "../diffusion/rules.ts";
import type { Condition, Scope } from "./engine.ts";

export interface PublisherInfo {
  id: string;
  name: string;
  url: string | null;
  logo: string | null;
  moderator: boolean;
  live: boolean;
  /** Diffuseur setting: full-remote missions shown as "[À distance]" offers in Paris. */
  remoteAsParis: boolean;
}

export interface RuleRow {
  id: string;
  publisher_id: string;
  combined_with_id: string | null;
  field: string;
  operator: string;
  value: string;
}

export interface ModerationRow {
  mission_id: string;
  publisher_id: string;
  title: string | null;
}

export interface DiffuseurView {
  diffuseur: PublisherInfo;
  scopes: Scope[];
  /** Annonceurs whose missions the diffuseur may see (its own included). */
  annonceurs: Set<string>;
  /** Moderators only: the missions they accepted, and their title overrides. */
  onlyIds?: ReadonlySet<string>;
  titles?: ReadonlyMap<string, string>;
}

export interface Visibility {
  publishers: PublisherInfo[];
  rules: RuleRow[];
  moderation: ModerationRow[];
  publisherById: ReadonlyMap<string, PublisherInfo>;
  viewOf(diffuseurId: string): DiffuseurView | undefined;
}

const FIELD_MAP: Record<string, Condition["field"]> = {
  [ORGANIZATION_CLIENT_ID]: "organizationClientId",
  [PARENT_ORGANIZATIONS]: "parentOrganizations",
  type: "type",
};
const OPERATORS = new Set<Condition["operator"]>(["is", "is_not", "contains", "does_not_contain", "exists", "does_not_exist"]);

/** The engine condition of a child rule, or null when it cannot be evaluated. */
export function toCondition(rule: Pick<RuleRow, "field" | "operator" | "value">): Condition | null {
  const field = FIELD_MAP[rule.field];
  if (!field || !OPERATORS.has(rule.operator as Condition["operator"])) return null;
  return { field, operator: rule.operator as Condition["operator"], value: rule.value };
}

export function buildVisibility(publishers: PublisherInfo[], rules: RuleRow[], moderation: ModerationRow[]): Visibility {
  const publisherById = new Map(publishers.map((p) => [p.id, p]));
  const childrenByRoot = new Map<string, RuleRow[]>();
  for (const rule of rules) {
    if (!rule.combined_with_id) continue;
    const list = childrenByRoot.get(rule.combined_with_id) ?? [];
    list.push(rule);
    childrenByRoot.set(rule.combined_with_id, list);
  }
  const rootsByDiffuseur = new Map<string, RuleRow[]>();
  for (const rule of rules) {
    if (rule.combined_with_id || rule.field !== ROOT_FIELD || rule.operator !== "is") continue;
    const list = rootsByDiffuseur.get(rule.publisher_id) ?? [];
    list.push(rule);
    rootsByDiffuseur.set(rule.publisher_id, list);
  }
  const moderationByModerator = new Map<string, { ids: Set<string>; titles: Map<string, string> }>();
  for (const m of moderation) {
    let entry = moderationByModerator.get(m.publisher_id);
    if (!entry) {
      entry = { ids: new Set(), titles: new Map() };
      moderationByModerator.set(m.publisher_id, entry);
    }
    entry.ids.add(m.mission_id);
    if (m.title && m.title.trim()) entry.titles.set(m.mission_id, m.title.trim());
  }

  const cache = new Map<string, DiffuseurView | undefined>();
  const viewOf = (diffuseurId: string): DiffuseurView | undefined => {
    if (cache.has(diffuseurId)) return cache.get(diffuseurId);
    const diffuseur = publisherById.get(diffuseurId);
    let view: DiffuseurView | undefined;
    if (diffuseur?.live) {
      const scopes: Scope[] = [{ publisherId: diffuseurId, conditions: [] }];
      const annonceurs = new Set([diffuseurId]);
      for (const root of rootsByDiffuseur.get(diffuseurId) ?? []) {
        if (root.value === diffuseurId || !publisherById.get(root.value)?.live) continue;
        const conditions = (childrenByRoot.get(root.id) ?? []).map(toCondition);
        if (conditions.some((c) => c === null)) continue;
        scopes.push({ publisherId: root.value, conditions: conditions as Condition[] });
        annonceurs.add(root.value);
      }
      view = { diffuseur, scopes, annonceurs };
      if (diffuseur.moderator) {
        const accepted = moderationByModerator.get(diffuseurId);
        view.onlyIds = accepted?.ids ?? new Set();
        view.titles = accepted?.titles ?? new Map();
      }
    }
    cache.set(diffuseurId, view);
    return view;
  };
  return { publishers, rules, moderation, publisherById, viewOf };
}
