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

/** `destination` with the tracking parameters set (replacing any of the same name). */
export function trackedUrl(destination: URL, params: { clickId?: string; token?: string; campaign?: Campaign }): string {
  // A detached URLSearchParams, serialised once: each `url.searchParams.set` would re-serialise the
  // whole URL (measured: most of a redirect's own time).
  const query = new URLSearchParams(destination.search);
  if (params.clickId) query.set("apiengagement_id", params.clickId);
  if (params.token) query.set("apiengagement_tracking_token", params.token);
  const campaign = params.campaign;
  if (campaign) {
    query.set(`${campaign.prefix}_source`, campaign.source);
    query.set(`${campaign.prefix}_medium`, campaign.medium);
    query.set(`${campaign.prefix}_campaign`, campaign.campaign);
  }
  return `${destination.origin}${destination.pathname}?${query.toString()}${destination.hash}`;
}
