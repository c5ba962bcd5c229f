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
 * Everything of a tracked URL before its tracking parameters — origin, path, "?", the destination's
 * own query without the parameters the link sets — and its fragment: made once per destination and
 * set of names (a mission's destination is parsed once and kept with its link).
 */
interface UrlFrame {
  head: string;
  hash: string;
}
const frames = new WeakMap<URL, (UrlFrame | undefined)[]>();

/** The names a tracked link sets, by which parameters it has. */
function trackingNames(token: boolean, prefix: Campaign["prefix"] | undefined): string[] {
  const names = ["apiengagement_id"];
  if (token) names.push("apiengagement_tracking_token");
  if (prefix) names.push(`${prefix}_source`, `${prefix}_medium`, `${prefix}_campaign`);
  return names;
}

function frameOf(destination: URL, token: boolean, prefix: Campaign["prefix"] | undefined): UrlFrame {
  let byNames = frames.get(destination);
  if (!byNames) {
    byNames = [];
    frames.set(destination, byNames);
  }
  // One slot per set of names: with or without the token, times no prefix, utm or mtm.
  const slot = (token ? 3 : 0) + (prefix === undefined ? 0 : prefix === "utm" ? 1 : 2);
  let frame = byNames[slot];
  if (frame === undefined) {
    const params = new URLSearchParams(destination.search);
    for (const name of trackingNames(token, prefix)) params.delete(name);
    const own = params.toString();
    frame = { head: `${destination.origin}${destination.pathname}?${own}${own ? "&" : ""}`, hash: destination.hash };
    byNames[slot] = frame;
  }
  return frame;
}

const URL_SAFE = /^[A-Za-z0-9._~-]*$/;
/** A query value: most are ids, tokens and slugs, which need no encoding. */
const encoded = (value: string) => (URL_SAFE.test(value) ? value : encodeURIComponent(value));

/** `destination` with the tracking parameters set (replacing any of the same name), after its own. */
export function trackedUrl(destination: URL, params: { clickId: string; token?: string; campaign?: Campaign }): string {
  const { clickId, token, campaign } = params;
  const frame = frameOf(destination, token !== undefined, campaign?.prefix);
  let url = `${frame.head}apiengagement_id=${encoded(clickId)}`;
  if (token !== undefined) url += `&apiengagement_tracking_token=${encoded(token)}`;
  if (campaign) {
    const p = campaign.prefix;
    url += `&${p}_source=${encoded(campaign.source)}&${p}_medium=${encoded(campaign.medium)}&${p}_campaign=${encoded(campaign.campaign)}`;
  }
  return url + frame.hash;
}
