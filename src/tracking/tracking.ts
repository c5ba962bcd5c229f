/** The tracking capability's parts, made once per app: keys, link targets, the event queue. */
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import { uuidv7 } from "../db/uuid7.ts";
import { EventQueue, type NewTrackingEvent } from "./event-queue.ts";
import { writeEvents } from "./event-store.ts";
import { LinkTargets } from "./link-targets.ts";
import { RecentClicks } from "./recent-clicks.ts";
import { type TrackingKeys, trackingKeys } from "./secrets.ts";
import { VisitLimit } from "./visit-limit.ts";

export interface Tracking {
  queue: EventQueue;
  targets: LinkTargets;
  keys: TrackingKeys;
  recentClicks: RecentClicks;
  limit: VisitLimit;
}

export type EventFields = Omit<NewTrackingEvent, "id" | "type" | "created_at" | "updated_at">;

/**
 * Queues a new event (a click is also kept in memory for the conversions that follow); returns its
 * id. `fields` is a fresh object of the caller's: completed in place rather than copied (thousands a
 * second, each kept until written).
 */
export function recordEvent(tracking: Pick<Tracking, "queue" | "recentClicks">, type: NewTrackingEvent["type"], fields: EventFields): string {
  const now = new Date();
  const event = fields as NewTrackingEvent & { id: string; created_at: Date };
  event.id = uuidv7(now.getTime());
  event.type = type;
  event.created_at = now;
  event.updated_at = now;
  tracking.queue.push(event);
  if (type === "click") tracking.recentClicks.add(event);
  return event.id;
}

export async function createTracking(db: Db, config: Config, log: FastifyBaseLogger): Promise<Tracking> {
  const keys = await trackingKeys(db, config.tracking.secret);
  const recentClicks = new RecentClicks();
  const queue = new EventQueue(
    async (events) => {
      await writeEvents(db, events);
      recentClicks.written(events);
    },
    {
      flushIntervalMs: config.tracking.flushIntervalMs,
      maxBuffered: config.tracking.maxBufferedEvents,
      log: {
        info: (obj, msg) => log.info(obj, msg),
        warn: (obj, msg) => log.warn(obj, msg),
        error: (obj, msg) => log.error(obj, msg),
      },
    },
  );
  queue.start();
  const limit = new VisitLimit({
    enabled: config.rateLimit.enabled,
    max: config.rateLimit.trackingIpMax,
    windowMs: config.rateLimit.windowMs,
    log: { warn: (obj, msg) => log.warn(obj, msg) },
  });
  return { queue, targets: new LinkTargets(db), keys, recentClicks, limit };
}
