/**
 * A job on a cron schedule (Europe/Paris), never overlapping itself: a tick that comes while the
 * previous one runs is skipped. "off" runs nothing. `stop()` ends the schedule and waits for a
 * running tick, so that the database is not closed under it.
 */
import { Cron } from "croner";

export function startCronJob(schedule: string, tick: () => Promise<void>): { stop: () => Promise<void> } {
  if (schedule === "off") return { stop: async () => {} };
  let running: Promise<void> | null = null;
  const job = new Cron(schedule, { timezone: "Europe/Paris", protect: true }, () => {
    running = tick().finally(() => {
      running = null;
    });
    return running;
  });
  return {
    stop: async () => {
      job.stop();
      if (running) await running;
    },
  };
}
