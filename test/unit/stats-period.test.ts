import { describe, expect, it } from "vitest";
import { addDays, coverRange, defaultInterval, parisToday, parseDay, periodOf, periodsOf, splitRange, weekOf } from "../../src/stats/stats-period.ts";

describe("statistics periods (Paris calendar days)", () => {
  it("reads real calendar days only", () => {
    expect(parseDay("2026-02-28")).toBe("2026-02-28");
    expect(parseDay("2026-02-29")).toBeNull();
    expect(parseDay("2026-2-1")).toBeNull();
  });

  it("today is the Paris date, not the UTC one", () => {
    expect(parisToday(new Date("2026-06-30T22:30:00Z"))).toBe("2026-07-01");
    expect(parisToday(new Date("2026-12-31T22:59:00Z"))).toBe("2026-12-31");
  });

  it("daily under 61 days, monthly beyond", () => {
    expect(defaultInterval("2026-01-01", "2026-03-01")).toBe("day"); // 60 days
    expect(defaultInterval("2026-01-01", "2026-03-02")).toBe("month"); // 61 days
  });

  it("lists every period, weeks from Monday", () => {
    expect(weekOf("2026-04-05")).toBe("2026-03-30");
    expect(periodsOf("2026-03-31", "2026-04-02", "day")).toEqual(["2026-03-31", "2026-04-01", "2026-04-02"]);
    expect(periodsOf("2026-04-05", "2026-04-13", "week")).toEqual(["2026-03-30", "2026-04-06", "2026-04-13"]);
    expect(periodsOf("2025-12-15", "2026-02-01", "month")).toEqual(["2025-12-01", "2026-01-01", "2026-02-01"]);
  });

  it("cuts a range into whole months and the days at its edges", () => {
    expect(splitRange("2026-02-15", "2026-05-10", "month")).toEqual({
      days: [
        { from: "2026-02-15", to: "2026-02-28" },
        { from: "2026-05-01", to: "2026-05-10" },
      ],
      months: { from: "2026-03-01", to: "2026-04-01" },
    });
    expect(splitRange("2026-03-01", "2026-03-31", null)).toEqual({ days: [], months: { from: "2026-03-01", to: "2026-03-01" } });
    expect(splitRange("2026-03-02", "2026-03-31", null)).toEqual({ days: [{ from: "2026-03-02", to: "2026-03-31" }], months: null });
    expect(splitRange("2025-12-31", "2026-01-31", null)).toEqual({ days: [{ from: "2025-12-31", to: "2025-12-31" }], months: { from: "2026-01-01", to: "2026-01-01" } });
    expect(splitRange("2026-02-15", "2026-05-10", "day")).toEqual({ days: [{ from: "2026-02-15", to: "2026-05-10" }], months: null });
  });

  it("covers a range with whole months, then whole weeks, then days", () => {
    const compact = (from: string, to: string, interval: Parameters<typeof coverRange>[2]) =>
      coverRange(from, to, interval).map((u) => `${u.bucket ? `${u.bucket}:` : ""}${u.grain}${u.period}`);
    // 16–31 March 2025 (Sunday … Monday), April 2025 … February 2026, 1–15 March 2026 (Sunday … Sunday).
    expect(compact("2025-03-16", "2026-03-15", null)).toEqual([
      ...["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"].map((m) => `m${m}-01`),
      "w2025-03-17", "w2025-03-24", "d2025-03-16", "d2025-03-31",
      "w2026-03-02", "w2026-03-09", "d2026-03-01",
    ]);
    // Weeks may cross a month boundary when no month is whole.
    expect(compact("2026-01-26", "2026-02-08", null)).toEqual(["w2026-01-26", "w2026-02-02"]);
    expect(compact("2026-01-28", "2026-01-30", null)).toEqual(["d2026-01-28", "d2026-01-29", "d2026-01-30"]);
    // A monthly series: each month its own bucket; a weekly one: partial weeks as days.
    expect(compact("2026-01-30", "2026-03-01", "month")).toEqual(["2026-01-01:d2026-01-30", "2026-01-01:d2026-01-31", "2026-02-01:m2026-02-01", "2026-03-01:d2026-03-01"]);
    expect(compact("2026-03-07", "2026-03-16", "week")).toEqual(["2026-03-02:d2026-03-07", "2026-03-02:d2026-03-08", "2026-03-09:w2026-03-09", "2026-03-16:d2026-03-16"]);
  });

  it("covers every day of a range exactly once", () => {
    for (const [from, to] of [["2024-02-10", "2025-07-03"], ["2026-03-29", "2026-04-27"], ["2025-12-31", "2026-01-01"]] as const) {
      for (const interval of [null, "day", "week", "month"] as const) {
        const days: string[] = [];
        for (const u of coverRange(from, to, interval)) {
          const length = u.grain === "d" ? 1 : u.grain === "w" ? 7 : Number(new Date(Date.UTC(Number(u.period.slice(0, 4)), Number(u.period.slice(5, 7)), 0)).getUTCDate());
          for (let i = 0; i < length; i++) days.push(addDays(u.period, i));
          // Every day of a unit counts in the unit's bucket.
          if (interval) expect(new Set(days.slice(-length).map((d) => periodOf(d, interval)))).toEqual(new Set([u.bucket]));
        }
        const expected: string[] = [];
        for (let d: string = from; d <= to; d = addDays(d, 1)) expected.push(d);
        expect(days.sort()).toEqual(expected);
      }
    }
  });
});
