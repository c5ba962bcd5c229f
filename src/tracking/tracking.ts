/** The tracking capability's parts, made once per app: keys, link targets, the event queue. */
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import { EventQueue } from "./event-queue.ts";
import { writeEvents } from "./event-store.ts";
import { LinkTargets } from "./link-targets.ts";
import { RecentClicks } from "./recent-clicks.ts";
import { type TrackingKeys, trackingKeys } from "./secrets.ts";

export interface Tracking {
  queue: EventQueue;
  targets: LinkTargets;
  keys: TrackingKeys;
  recentClicks: RecentClicks;
}

export async function createTracking(db: Db, config: Config, log: FastifyBaseLogger): Promise<Tracking> {
  const keys = await trackingKeys(db, config.tracking.secret);
  const queue = new EventQueue((events) => writeEvents(db, events), {
    flushIntervalMs: config.tracking.flushIntervalMs,
    maxBuffered: config.tracking.maxBufferedEvents,
    log: {
      info: (obj, msg) => log.info(obj, msg),
      warn: (obj, msg) => log.warn(obj, msg),
      error: (obj, msg) => log.error(obj, msg),
    },
  });
  queue.start();
  return { queue, targets: new LinkTargets(db), keys, recentClicks: new RecentClicks() };
}
