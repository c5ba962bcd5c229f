import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/db/uuid7.ts";

describe("uuidv7", () => {
  it("is a version 7, variant 10 UUID carrying the time in milliseconds", () => {
    const id = uuidv7(Date.UTC(2026, 10, 29, 12, 0, 0));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 29, 12, 0, 0));
  });

  it("sorts by creation time across milliseconds and never repeats", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    const firstOfEachMs = ids.filter((_, i) => i % 10 === 0);
    expect([...firstOfEachMs].sort()).toEqual(firstOfEachMs);
  });
});
