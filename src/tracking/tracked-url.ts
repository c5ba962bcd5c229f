/**
 * Where a tracked link sends the visitor: the mission's application URL, keeping its own query, with
 * the click id, its token and the campaign parameters the annonceur's analytics read (utm_* or
 * mtm_*, a per-annonceur setting).
 */

/** "www.exemple.fr/x" → "https://www.exemple.fr/x": annonceurs sometimes omit the scheme. */
export function ensureProtocol(url: string): string {
  const trimmed = url.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed.replace(/^\/+/, "")}`;
}

/** An absolute http(s) URL from what an annonceur gave, or null when it is not one. */
export function parseDestination(url: string | null | undefined): URL | null {
  if (!url || url.trim() === "") return null;
  try {
    const parsed = new URL(ensureProtocol(url));
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed : null;
  } catch {
    return null;
  }
}

export interface Campaign {
  prefix: "utm" | "mtm";
  source: string;
  medium: string;
  campaign: string;
}

/**
 * The destination's own query without the parameters a tracked link sets, serialised once per
 * destination and set of names (a mission's destination is parsed once and kept with its link).
 */
const ownQueries = new WeakMap<URL, Map<string, string>>();

function ownQuery(destination: URL, names: readonly string[]): string {
  let byNames = ownQueries.get(destination);
  if (!byNames) {
    byNames = new Map();
    ownQueries.set(destination, byNames);
  }
  const key = names.join("&");
  let query = byNames.get(key);
  if (query === undefined) {
    const params = new URLSearchParams(destination.search);
    for (const name of names) params.delete(name);
    query = params.toString();
    byNames.set(key, query);
  }
  return query;
}

/** `destination` with the tracking parameters set (replacing any of the same name), after its own. */
export function trackedUrl(destination: URL, params: { clickId?: string; token?: string; campaign?: Campaign }): string {
  const names: string[] = [];
  const values: string[] = [];
  if (params.clickId) names.push("apiengagement_id"), values.push(params.clickId);
  if (params.token) names.push("apiengagement_tracking_token"), values.push(params.token);
  const campaign = params.campaign;
  if (campaign) {
    names.push(`${campaign.prefix}_source`, `${campaign.prefix}_medium`, `${campaign.prefix}_campaign`);
    values.push(campaign.source, campaign.medium, campaign.campaign);
  }
  let query = ownQuery(destination, names);
  for (let i = 0; i < names.length; i += 1) query += `${query ? "&" : ""}${names[i]}=${encodeURIComponent(values[i]!)}`;
  return `${destination.origin}${destination.pathname}?${query}${destination.hash}`;
}
