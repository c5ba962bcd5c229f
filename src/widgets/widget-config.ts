/**
 * A widget's configuration, checked and turned into what the search engine needs (pure; no I/O).
 *
 * Rules use the operators of the diffusion rules (`is`, `is_not`, `contains`, `does_not_contain`,
 * `exists`, `does_not_exist`) on the mission fields the engine holds. Rows are joined by their
 * `combinator` in `position` order, `and` binding tighter than `or` (as one reads
 * "A et B ou C" : (A et B) ou C).
 */
import { CONDITION_OPERATORS, type Condition, type Scope } from "../search/engine.ts";
import { parseDistance } from "../search/query.ts";
import type { WidgetRow, WidgetRule } from "../db/schema.ts";

export const WIDGET_TYPES = ["benevolat", "volontariat"] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];
export const WIDGET_STYLES = ["page", "carousel"] as const;
export const DEFAULT_COLOR = "#000091";
export const DEFAULT_DISTANCE = "25km";
export const MAX_RULES = 50;
export const MAX_PUBLISHERS = 500;

/** Rule fields (today's names and ours) → the engine's. */
export const RULE_FIELDS: Readonly<Record<string, Condition["field"]>> = {
  organizationName: "organizationName",
  organizationClientId: "organizationClientId",
  parentOrganization: "parentOrganizations",
  parentOrganizations: "parentOrganizations",
  domain: "domain",
  activity: "activity",
  departmentName: "departmentName",
  remote: "remote",
  openToMinors: "openToMinors",
};

export interface WidgetProblem {
  field: string;
  message: string;
}

/** The problems of a set of rules (French, naming the row), empty when they can be used. */
export function ruleProblems(rules: readonly WidgetRule[]): WidgetProblem[] {
  const problems: WidgetProblem[] = [];
  if (rules.length > MAX_RULES) problems.push({ field: "rules", message: `${MAX_RULES} règles au plus` });
  rules.forEach((rule, i) => {
    if (!(rule.field in RULE_FIELDS)) {
      problems.push({ field: `rules[${i}].field`, message: `champ « ${rule.field} » non pris en charge ; champs possibles : ${Object.keys(RULE_FIELDS).join(", ")}` });
    }
    if (!(CONDITION_OPERATORS as readonly string[]).includes(rule.operator)) {
      problems.push({ field: `rules[${i}].operator`, message: `opérateur « ${rule.operator} » inconnu ; opérateurs possibles : ${CONDITION_OPERATORS.join(", ")}` });
    }
    const needsValue = rule.operator !== "exists" && rule.operator !== "does_not_exist";
    if (needsValue && rule.value.trim() === "") problems.push({ field: `rules[${i}].value`, message: "valeur manquante" });
    if (rule.field === "openToMinors" && needsValue && !["yes", "no"].includes(rule.value)) {
      problems.push({ field: `rules[${i}].value`, message: "openToMinors vaut yes ou no" });
    }
  });
  return problems;
}

/** Rules in position order, as OR of AND groups of engine conditions. No rule: one empty group. */
export function ruleGroups(rules: readonly WidgetRule[]): Condition[][] {
  const ordered = rules.map((rule, i) => ({ rule, i })).sort((a, b) => (a.rule.position ?? a.i) - (b.rule.position ?? b.i) || a.i - b.i);
  const groups: Condition[][] = [[]];
  ordered.forEach(({ rule }, k) => {
    // A row's combinator joins it to the previous row.
    if (k > 0 && rule.combinator === "or") groups.push([]);
    groups.at(-1)?.push({ field: RULE_FIELDS[rule.field] as Condition["field"], operator: rule.operator as Condition["operator"], value: rule.value.trim() });
  });
  return groups;
}

/**
 * The missions of a widget's type: a volontariat widget the volontariat_* types, a bénévolat
 * widget every other mission (a mission without a type is bénévolat).
 */
export function typeCondition(type: WidgetType): Condition {
  return { field: "type", operator: type === "volontariat" ? "contains" : "does_not_contain", value: "volontariat" };
}

/**
 * The engine scopes of a widget: those of its diffuseur (diffusion rules included), narrowed to the
 * annonceurs chosen (none chosen: all of them) and to the widget's type, each ANDed with every group
 * of the widget's rules.
 */
export function widgetScopes(diffuseurScopes: readonly Scope[], widget: Pick<WidgetRow, "publishers" | "rules" | "type">): Scope[] {
  const chosen = new Set(widget.publishers);
  const allowed = chosen.size ? diffuseurScopes.filter((s) => chosen.has(s.publisherId)) : diffuseurScopes;
  const groups = ruleGroups(widget.rules);
  const type = typeCondition(widget.type as WidgetType);
  return allowed.flatMap((scope) => groups.map((conditions) => ({ publisherId: scope.publisherId, conditions: [...scope.conditions, type, ...conditions] })));
}

/** `#RGB` or `#RRGGBB` → `#rrggbb`; null when it is not a colour. */
export function normalizeColor(color: string): string | null {
  const c = color.trim();
  if (/^#[0-9a-fA-F]{6}$/.test(c)) return c.toLowerCase();
  if (/^#[0-9a-fA-F]{3}$/.test(c)) return `#${[...c.slice(1)].map((x) => x + x).join("")}`.toLowerCase();
  return null;
}

/** The widget's radius in km ("25km", "800m"); throws a 400 naming `distance` otherwise. */
export function distanceKmOf(distance: string): number {
  return parseDistance(distance);
}

/**
 * Text readable on the accent colour (white or the DSFR's dark grey), from the colour's relative
 * luminance (WCAG): the contrast of the better one.
 */
export function textOnColor(color: string): "#ffffff" | "#161616" {
  const hex = normalizeColor(color) ?? DEFAULT_COLOR;
  const channel = (i: number) => {
    const v = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  const contrastWhite = 1.05 / (luminance + 0.05);
  const contrastDark = (luminance + 0.05) / (0.0082 + 0.05);
  return contrastWhite >= contrastDark ? "#ffffff" : "#161616";
}
