/**
 * What a tracked link needs to know, kept in memory for a short while: the mission's application
 * URL and owner, the diffuseur's name. A redirect then costs no database round trip when the
 * mission was clicked in the last `ttlMs`. A deleted mission is still found: a link outlives it.
 */
import type { Db } from "../db/connection.ts";
import { slugify } from "../taxonomy/slug.ts";
import { parseDestination } from "./tracked-url.ts";

export interface MissionTarget {
  id: string;
  publisherId: string;
  clientId: string;
  /** The application URL, parsed once (null when it is not an http(s) URL); read, never changed. */
  destination: URL | null;
}

export interface PublisherTarget {
  id: string;
  name: string;
  /** `utm_campaign` of its links: slugify(name), as today. */
  slug: string;
  trackingPrefix: "utm" | "mtm";
  /** As an annonceur: days after a click during which a conversion is attributed to it. */
  attributionWindowDays: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be one of our mission or event ids (checked before a query casts it to uuid). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
/** A publisher, widget or campaign id: ours are UUIDs, today's are 24-hex ids. */
const PUBLISHER_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * A small time-bounded cache; unknown ids (null) are cached too, for less time. When reloading an
 * expired entry fails (database down), the last known value is used: links keep working.
 */
class TtlCache<T> {
  private readonly entries = new Map<string, { value: T | null; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  async get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    let value: T | null;
    try {
      value = await load();
    } catch (error) {
      if (hit) return hit.value;
      throw error;
    }
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires: now + (value === null ? this.ttlMs / 4 : this.ttlMs) });
    return value;
  }

  /** The cached value when it is fresh, without loading; undefined otherwise. */
  peek(key: string, now = Date.now()): T | null | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expires > now ? hit.value : undefined;
  }
}

export interface WidgetTarget {
  id: string;
  diffuseurId: string;
  /** `utm_campaign` of its clicks: slugify(name), as today. */
  slug: string;
}

export class LinkTargets {
  private readonly missions: TtlCache<MissionTarget>;
  private readonly publishers: TtlCache<PublisherTarget>;
  private readonly widgets: TtlCache<WidgetTarget>;

  constructor(
    private readonly db: Db,
    ttlMs = 30_000,
  ) {
    this.missions = new TtlCache(ttlMs, 100_000);
    this.publishers = new TtlCache(ttlMs, 10_000);
    this.widgets = new TtlCache(ttlMs, 10_000);
  }

  /** An annonceur's mission by its clientId, deleted or not (not cached: conversions are rare). */
  missionByClientId(publisherId: string, clientId: string): Promise<MissionTarget | null> {
    return this.findMission({ publisherId, clientId });
  }

  /** The mission, deleted or not; null for an id that is not one of ours. */
  mission(id: string): Promise<MissionTarget | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    const lower = id.toLowerCase();
    return this.missions.get(lower, () => this.findMission({ id: lower }));
  }

  private async findMission(by: { id: string } | { publisherId: string; clientId: string }): Promise<MissionTarget | null> {
    let query = this.db.selectFrom("mission").select(["id", "publisher_id", "client_id", "application_url"]);
    query = "id" in by ? query.where("id", "=", by.id) : query.where("publisher_id", "=", by.publisherId).where("client_id", "=", by.clientId);
    const row = await query.executeTakeFirst();
    return row
      ? { id: row.id, publisherId: row.publisher_id, clientId: row.client_id, destination: parseDestination(row.application_url) }
      : null;
  }

  /**
   * What the cache knows right now, without waiting: the mission (null: not ours), or undefined
   * when it is not cached or has expired. `id` in lower case.
   */
  cachedMission(id: string): MissionTarget | null | undefined {
    return this.missions.peek(id);
  }

  /** A live publisher (null: unknown or deleted), or undefined when not cached or expired. */
  cachedPublisher(id: string): PublisherTarget | null | undefined {
    return this.publishers.peek(id);
  }

  /** A widget that has not been deleted (an inactive one still credits its clicks); null otherwise. */
  widget(id: string): Promise<WidgetTarget | null> {
    if (!PUBLISHER_ID.test(id)) return Promise.resolve(null);
    return this.widgets.get(id, async () => {
      const row = await this.db.selectFrom("widget").select(["id", "diffuseur_id", "name"]).where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
      return row ? { id: row.id, diffuseurId: row.diffuseur_id, slug: slugify(row.name) } : null;
    });
  }

  /** A live publisher; null when unknown or deleted. */
  publisher(id: string): Promise<PublisherTarget | null> {
    if (!PUBLISHER_ID.test(id)) return Promise.resolve(null);
    return this.publishers.get(id, async () => {
      const row = await this.db
        .selectFrom("publisher")
        .select(["id", "name", "tracking_prefix", "attribution_window_days"])
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, slug: slugify(row.name), trackingPrefix: row.tracking_prefix, attributionWindowDays: row.attribution_window_days } : null;
    });
  }
}

/** Today's cleaning of a publisher id in a link: cut at the first character that is not [A-Za-z0-9-]. */
export function cleanIdParam(raw: string): string {
  const end = raw.search(/[^A-Za-z0-9-]/);
  return end === -1 ? raw : raw.slice(0, end);
}
