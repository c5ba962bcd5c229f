/**
 * Diffusion rule vocabulary and pure rule logic.
 *
 * A root rule `{field: "publisherId", operator: "is", value: A}` owned by diffuseur D means "D may show
 * A's missions". Child rules of that root (set by A through the API, or by an administrator) are ANDed
 * with it: typically exclusions of one organisation or of a whole network.
 */

export const ROOT_FIELD = "publisherId";
export const ORGANIZATION_CLIENT_ID = "publisherOrganization.clientId";
export const PARENT_ORGANIZATIONS = "publisherOrganization.parentOrganizations";

/** Child fields an annonceur may set through `POST /v0/diffusion-rule`, with their operators. */
export const CHILD_RULE_OPERATORS: Record<string, readonly string[]> = {
  [ORGANIZATION_CLIENT_ID]: ["is", "is_not"],
  [PARENT_ORGANIZATIONS]: ["is", "contains", "is_not", "does_not_contain"],
};

export const EXCLUSION_OPERATORS = ["is_not", "does_not_contain", "does_not_exist"] as const;

export interface ChildRule {
  field: string;
  operator: string;
  value: string;
}

/** Message (French) when the field/operator pair cannot be set through the API, else null. */
export function childRuleProblem(field: string, operator: string): string | null {
  const operators = CHILD_RULE_OPERATORS[field];
  if (!operators) {
    return `Le champ « field » doit valoir ${Object.keys(CHILD_RULE_OPERATORS).join(" ou ")} (reçu « ${field} »)`;
  }
  if (!operators.includes(operator)) {
    return `Pour le champ ${field}, « operator » doit valoir l'une des valeurs : ${operators.join(", ")} (reçu « ${operator} »)`;
  }
  return null;
}

const fold = (s: string) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLocaleLowerCase("fr");

/**
 * Would an exclusion rule on `field` exclude a mission whose field holds `value`? Used by the
 * `diffuse` preview of `GET /v0/diffusion-rule?field=&value=` (case- and accent-insensitive).
 */
export function excludes(rule: ChildRule, field: string, value: string): boolean {
  if (rule.field !== field) return false;
  const ruleValue = fold(rule.value);
  const candidate = fold(value);
  switch (rule.operator) {
    case "is_not":
      return ruleValue === candidate;
    case "does_not_contain":
      // parentOrganizations is a list: "contains" means "is one of its items"
      return field === PARENT_ORGANIZATIONS ? ruleValue === candidate : candidate.includes(ruleValue);
    case "does_not_exist":
      return candidate.trim() !== "";
    default:
      return false;
  }
}
