import { describe, expect, it } from "vitest";
import { defaultInterval, parisToday, parseDay, periodsOf, splitRange, weekOf } from "../../src/stats/stats-period.ts";

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
});
