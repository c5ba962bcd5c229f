/**
 * The clicks of the last minutes, in memory: a conversion or a confirm-human call often follows its
 * click by seconds, before the click's batch is even written, and should not cost a query either.
 * Bounded in count and age; older clicks are read from the database.
 */
import type { NewTrackingEvent } from "./event-queue.ts";

const MAX_AGE_MS = 10 * 60_000;
const MAX_ENTRIES = 100_000;

export class RecentClicks {
  private readonly clicks = new Map<string, NewTrackingEvent>();

  add(click: NewTrackingEvent): void {
    if (this.clicks.size >= MAX_ENTRIES) this.clicks.delete(this.clicks.keys().next().value as string);
    this.clicks.set(click.id, click);
  }

  get(id: string, now = Date.now()): NewTrackingEvent | undefined {
    const click = this.clicks.get(id);
    if (!click) return undefined;
    if (now - new Date(click.created_at as Date).getTime() > MAX_AGE_MS) {
      this.clicks.delete(id);
      return undefined;
    }
    return click;
  }
}
