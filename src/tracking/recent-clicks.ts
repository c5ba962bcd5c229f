/**
 * The clicks not written yet, in memory: a conversion or a confirm-human call may follow its click
 * before the click's batch reaches the database. A click leaves once written (then it is read from
 * the database): keeping every click of the last minutes would hold hundreds of thousands of objects
 * under load, and the garbage collector's work on them slowed every redirect down.
 * Bounded in count and age, for when the database stays unreachable.
 */
import type { Db } from "../db/connection.ts";
import type { NewTrackingEvent } from "./event-queue.ts";
import { isUuid } from "./link-targets.ts";

const MAX_AGE_MS = 10 * 60_000;

/** A click as conversions read it: its time is always known. */
export type Click = NewTrackingEvent & { created_at: Date };
const MAX_ENTRIES = 100_000;

export class RecentClicks {
  private readonly clicks = new Map<string, Click>();

  add(click: Click): void {
    if (this.clicks.size >= MAX_ENTRIES) this.clicks.delete(this.clicks.keys().next().value as string);
    this.clicks.set(click.id, click);
  }

  /** The clicks of a batch are in the database now. */
  written(events: readonly NewTrackingEvent[]): void {
    for (const event of events) if (event.type === "click") this.clicks.delete(event.id);
  }

  get(id: string, now = Date.now()): Click | undefined {
    const click = this.clicks.get(id);
    if (!click) return undefined;
    if (now - click.created_at.getTime() > MAX_AGE_MS) {
      this.clicks.delete(id);
      return undefined;
    }
    return click;
  }
}

/** A click by its id (`apiengagement_id`): from memory when recent, else from the database. */
export async function findClick(db: Db, recent: RecentClicks, id: string): Promise<Click | undefined> {
  if (!isUuid(id)) return undefined;
  const click = recent.get(id.toLowerCase());
  if (click) return click;
  return db
    .selectFrom("tracking_event")
    .select(["id", "type", "created_at", "updated_at", "source", "source_id", "from_publisher_id", "to_publisher_id", "mission_id", "mission_client_id", "is_human"])
    .where("id", "=", id.toLowerCase())
    .where("type", "=", "click")
    .executeTakeFirst();
}

/** Days an annonceur credits a conversion to its click when it has not set its own window. */
const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30;

/** Whether a conversion at `nowMs` is still attributed to `click` under the annonceur's window. */
export function withinAttributionWindow(click: Click, windowDays: number | undefined, nowMs: number): boolean {
  return nowMs - click.created_at.getTime() <= (windowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS) * 86_400_000;
}
