import { describe, expect, it } from "vitest";
import { EventQueue, type NewTrackingEvent } from "../../src/tracking/event-queue.ts";

const event = (n: number): NewTrackingEvent => ({ id: `id-${n}`, type: "click", created_at: new Date(), updated_at: new Date(), source: "api" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("EventQueue", () => {
  it("writes queued events within the flush interval, in order, in batches", async () => {
    const written: string[][] = [];
    const queue = new EventQueue(async (events) => void written.push(events.map((e) => e.id)), { flushIntervalMs: 20, batchSize: 3, ...recordingLog() });
    queue.start();
    for (let n = 0; n < 7; n++) queue.push(event(n));
    await sleep(80);
    expect(written.flat()).toEqual(["id-0", "id-1", "id-2", "id-3", "id-4", "id-5", "id-6"]);
    expect(written.every((batch) => batch.length <= 3)).toBe(true);
    expect(queue.stats()).toEqual({ buffered: 0, written: 7, dropped: 0, failedWrites: 0 });
    await queue.close();
  });

  it("keeps events when the database fails, retries later, loses nothing and logs the outage and the recovery", async () => {
    let down = true;
    const written: string[] = [];
    const { lines, log } = recordingLog();
    const queue = new EventQueue(
      async (events) => {
        if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        written.push(...events.map((e) => e.id));
      },
      { flushIntervalMs: 10, maxRetryDelayMs: 50, log },
    );
    queue.start();
    for (let n = 0; n < 5; n++) queue.push(event(n));
    await sleep(120);
    expect(written).toEqual([]);
    expect(queue.stats().buffered).toBe(5);
    expect(queue.stats().failedWrites).toBeGreaterThan(1);
    queue.push(event(5));
    down = false;
    await sleep(150);
    expect(written).toEqual(["id-0", "id-1", "id-2", "id-3", "id-4", "id-5"]);
    expect(lines.some((l) => l.level === "error")).toBe(true);
    expect(lines.at(-1)).toMatchObject({ level: "info", msg: expect.stringContaining("rétablie") });
    await queue.close();
  });

  it("drops and counts what exceeds the bounded buffer, with a warning", async () => {
    const { lines, log } = recordingLog();
    const queue = new EventQueue(async () => Promise.reject(new Error("down")), { flushIntervalMs: 10, maxBuffered: 3, log });
    expect([0, 1, 2, 3, 4].map((n) => queue.push(event(n)))).toEqual([true, true, true, false, false]);
    expect(queue.stats()).toMatchObject({ buffered: 3, dropped: 2 });
    await queue.close(50);
    expect(queue.stats()).toMatchObject({ buffered: 0, dropped: 5 });
    expect(lines.filter((l) => l.level === "warn")).toMatchObject([{ obj: { dropped: 2 } }]);
    expect(lines.some((l) => l.level === "error" && "lost" in l.obj && l.obj.lost === 3)).toBe(true);
  });

  it("close() writes everything still queued, and refuses events after", async () => {
    const written: string[] = [];
    const queue = new EventQueue(async (events) => void written.push(...events.map((e) => e.id)), { flushIntervalMs: 200, ...recordingLog() });
    queue.start();
    queue.push(event(1));
    queue.push(event(2));
    await queue.close();
    expect(written).toEqual(["id-1", "id-2"]);
    expect(queue.push(event(3))).toBe(false);
  });
});
