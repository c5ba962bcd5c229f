/**
 * Tracking events are answered first and written after: a redirect never waits for the database.
 *
 * Events wait in memory and are written in batches at least every `flushIntervalMs` (and as soon as
 * a batch is full). When a write fails (database down), the batch goes back to the front of the
 * queue and is retried with a growing delay, up to `maxBuffered` events held; past that, new events
 * are dropped, counted and logged — never silently. `close()` writes what is left before the process
 * exits (SIGTERM/SIGINT go through the app's close).
 */
import type { Insertable } from "kysely";
import type { TrackingEventTable } from "../db/schema.ts";

export type NewTrackingEvent = Insertable<TrackingEventTable>;

export interface EventQueueOptions {
  /** Longest time an event waits before a write starts (default 200 ms, as TRACKING_FLUSH_INTERVAL_MS). */
  flushIntervalMs?: number;
  /** Events per write (default 3,000). */
  batchSize?: number;
  /** Events held while the database cannot be written (default 200,000, ~100 MB). */
  maxBuffered?: number;
  /** Longest delay between two retries (default 5 s). */
  maxRetryDelayMs?: number;
  log: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export interface EventQueueStats {
  buffered: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

export class EventQueue {
  private buffer: NewTrackingEvent[] = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryAt = 0;
  private failureStreak = 0;
  private droppedSinceLog = 0;
  private closed = false;
  private readonly counts = { written: 0, dropped: 0, failedWrites: 0 };
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    private readonly write: (events: NewTrackingEvent[]) => Promise<void>,
    private readonly options: EventQueueOptions,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 3000;
    this.maxBuffered = options.maxBuffered ?? 200_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Queues an event; false when it had to be dropped (buffer full or queue closed). */
  push(event: NewTrackingEvent): boolean {
    if (this.closed || this.buffer.length >= this.maxBuffered) {
      this.counts.dropped += 1;
      this.droppedSinceLog += 1;
      if (this.droppedSinceLog === 1) setTimeout(() => this.logDropped(), 1000).unref();
      return false;
    }
    this.buffer.push(event);
    if (this.buffer.length >= this.batchSize) void this.flush();
    return true;
  }

  stats(): EventQueueStats {
    return { buffered: this.buffer.length, ...this.counts };
  }

  /** Writes what is buffered, one batch after the other; resolves when done or when a write failed. */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.buffer.length === 0 || Date.now() < this.retryAt) return Promise.resolve();
    this.writing = this.drain().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.write(batch);
      } catch (error) {
        // Back in front, in order; whatever arrived meanwhile stays behind.
        this.buffer.unshift(...batch);
        this.counts.failedWrites += 1;
        this.failureStreak += 1;
        const delay = Math.min(this.maxRetryDelayMs, 100 * 2 ** Math.min(this.failureStreak, 10));
        this.retryAt = Date.now() + delay;
        this.options.log.error(
          { err: error, buffered: this.buffer.length, retryInMs: delay, failures: this.failureStreak },
          "écriture des événements de suivi impossible : nouvel essai différé",
        );
        return;
      }
      this.counts.written += batch.length;
      if (this.failureStreak > 0) {
        this.options.log.info({ failures: this.failureStreak, buffered: this.buffer.length }, "écriture des événements de suivi rétablie");
        this.failureStreak = 0;
        this.retryAt = 0;
      }
    }
  }

  /**
   * Stops accepting events and writes what is left, retrying until `timeoutMs`; what could not be
   * written is counted as dropped and logged.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 || this.writing) {
      if (this.writing) await this.writing;
      else {
        this.retryAt = 0;
        await this.flush();
      }
      if (this.buffer.length > 0 && Date.now() >= deadline) break;
      if (this.buffer.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
    if (this.buffer.length > 0) {
      this.counts.dropped += this.buffer.length;
      this.options.log.error({ lost: this.buffer.length }, "événements de suivi perdus à l'arrêt : la base de données est restée injoignable");
      this.buffer = [];
    }
    this.logDropped();
  }

  private logDropped(): void {
    if (this.droppedSinceLog === 0) return;
    this.options.log.warn(
      { dropped: this.droppedSinceLog, totalDropped: this.counts.dropped, maxBuffered: this.maxBuffered },
      "événements de suivi abandonnés : file pleine (base de données injoignable)",
    );
    this.droppedSinceLog = 0;
  }
}
