/**
 * Fixed-window rate limiting with `X-RateLimit-*` headers and a French 429.
 * Counters live in memory, or in Redis when `REDIS_URL` is set so several instances share them.
 * If Redis fails, requests are let through (and logged): a counter outage must not take the API down.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import { Redis } from "ioredis";
import { HttpError } from "./errors.ts";

export interface Hit {
  count: number;
  resetAt: number;
}

export interface CounterStore {
  hit(key: string, windowMs: number): Promise<Hit>;
  close(): Promise<void>;
}

export class MemoryStore implements CounterStore {
  private readonly windows = new Map<string, Hit>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  async hit(key: string, windowMs: number): Promise<Hit> {
    const now = Date.now();
    let entry = this.windows.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, entry);
    }
    entry.count += 1;
    return { ...entry };
  }

  private sweep() {
    const now = Date.now();
    for (const [key, entry] of this.windows) if (entry.resetAt <= now) this.windows.delete(key);
  }

  async close() {
    clearInterval(this.sweeper);
  }
}

export class RedisStore implements CounterStore {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on("error", () => undefined);
  }

  private firstConnection: Promise<void> | undefined;

  private isReady(): boolean {
    return this.redis.status === "ready";
  }

  /**
   * Commands are not queued while Redis is unreachable: the first call waits (at most 1 s) for the
   * initial connection; later calls fail at once when the connection is down, so requests are not slowed.
   */
  private async connected(): Promise<void> {
    if (this.isReady()) return;
    this.firstConnection ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.firstConnection;
    if (!this.isReady()) throw new Error(`redis not connected (${this.redis.status})`);
  }

  async hit(key: string, windowMs: number): Promise<Hit> {
    await this.connected();
    const redisKey = `ratelimit:${key}`;
    const result = await this.redis.multi().incr(redisKey).pexpire(redisKey, windowMs, "NX").pttl(redisKey).exec();
    if (!result) throw new Error("redis transaction aborted");
    const count = Number(result[0]?.[1]);
    const ttl = Number(result[2]?.[1]);
    return { count, resetAt: Date.now() + (ttl > 0 ? ttl : windowMs) };
  }

  async close() {
    this.redis.disconnect();
  }
}

export interface Limiter {
  /** Counts one request for `key`; sets the headers; throws a 429 `HttpError` beyond `max`. */
  consume(key: string, max: number, reply: FastifyReply): Promise<void>;
  close(): Promise<void>;
}

export function createLimiter(options: { store: CounterStore; windowMs: number; enabled: boolean; log: FastifyBaseLogger }): Limiter {
  const { store, windowMs, enabled, log } = options;
  return {
    async consume(key, max, reply) {
      if (!enabled) return;
      let hit: Hit;
      try {
        hit = await store.hit(key, windowMs);
      } catch (err) {
        log.warn({ err }, "rate-limit store unavailable, request allowed");
        return;
      }
      const resetSeconds = Math.max(0, Math.ceil((hit.resetAt - Date.now()) / 1000));
      reply.header("X-RateLimit-Limit", max);
      reply.header("X-RateLimit-Remaining", Math.max(0, max - hit.count));
      reply.header("X-RateLimit-Reset", resetSeconds);
      if (hit.count > max) {
        reply.header("Retry-After", resetSeconds);
        throw new HttpError(
          429,
          "TOO_MANY_REQUESTS",
          `Trop de requêtes : la limite est de ${max} requêtes par ${Math.round(windowMs / 1000)} secondes. Réessayez dans ${resetSeconds} s.`,
        );
      }
    },
    close: () => store.close(),
  };
}
