import { describe, expect, it } from "vitest";
import { MemoryStore, RedisStore } from "../../src/http/rate-limit.ts";

describe("MemoryStore", () => {
  it("counts hits per key within a window, then starts a new window", async () => {
    const store = new MemoryStore();
    expect((await store.hit("a", 50)).count).toBe(1);
    expect((await store.hit("a", 50)).count).toBe(2);
    expect((await store.hit("b", 50)).count).toBe(1);
    const hit = await store.hit("a", 50);
    expect(hit.count).toBe(3);
    expect(hit.resetAt).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 60));
    expect((await store.hit("a", 50)).count).toBe(1);
    await store.close();
  });
});

describe("RedisStore (the Redis server on 127.0.0.1:6379)", () => {
  it("shares counters through Redis with the window's expiry", async () => {
    const store = new RedisStore("redis://127.0.0.1:6379");
    const key = `test-${process.pid}-${Date.now()}`;
    expect((await store.hit(key, 1000)).count).toBe(1);
    const second = await store.hit(key, 1000);
    expect(second.count).toBe(2);
    expect(second.resetAt - Date.now()).toBeLessThanOrEqual(1000);
    const other = new RedisStore("redis://127.0.0.1:6379");
    expect((await other.hit(key, 1000)).count).toBe(3);
    await store.close();
    await other.close();
  });
});

describe("createLimiter", () => {
  const fakeReply = () => {
    const headers: Record<string, unknown> = {};
    return { headers, reply: { header: (k: string, v: unknown) => ((headers[k] = v), undefined) } as never };
  };
  const log = { warn: (..._args: unknown[]) => undefined } as never;

  it("sets the X-RateLimit headers and throws a French 429 beyond the limit", async () => {
    const { createLimiter, MemoryStore } = await import("../../src/http/rate-limit.ts");
    const limiter = createLimiter({ store: new MemoryStore(), windowMs: 60_000, enabled: true, log });
    const { headers, reply } = fakeReply();
    await limiter.consume("k", 2, reply);
    await limiter.consume("k", 2, reply);
    expect(headers["X-RateLimit-Remaining"]).toBe(0);
    await expect(limiter.consume("k", 2, reply)).rejects.toMatchObject({ statusCode: 429, code: "TOO_MANY_REQUESTS" });
    expect(headers["Retry-After"]).toBeGreaterThan(0);
    await limiter.close();
  });

  it("lets requests through when Redis cannot be reached", async () => {
    const { createLimiter, RedisStore } = await import("../../src/http/rate-limit.ts");
    const warnings: unknown[] = [];
    const limiter = createLimiter({
      store: new RedisStore("redis://127.0.0.1:1"),
      windowMs: 60_000,
      enabled: true,
      log: { warn: (...args: unknown[]) => warnings.push(args) } as never,
    });
    const { headers, reply } = fakeReply();
    await limiter.consume("k", 1, reply);
    await limiter.consume("k", 1, reply);
    expect(headers["X-RateLimit-Limit"]).toBeUndefined();
    expect(warnings).toHaveLength(2);
    await limiter.close();
  });
});
