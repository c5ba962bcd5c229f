import { describe, it, expect } from "vitest";
import {
  cleanStringList,
  monthsBetween,
  normalizeCompensationType,
  normalizeCompensationUnit,
  normalizeRemote,
  parseBoolean,
} from "../../src/missions/rules/normalize.ts";

describe("normalizeRemote", () => {
  it.each([
    ["no", "no"],
    ["NON", "no"],
    ["false", "no"],
    ["0", "no"],
    ["", "no"],
    ["possible", "possible"],
    ["Yes", "possible"],
    ["oui", "possible"],
    ["TRUE", "possible"],
    ["1", "possible"],
    ["partiel", "possible"],
    ["Partielle", "possible"],
    ["hybride", "possible"],
    ["full", "full"],
    ["Total", "full"],
    ["100", "full"],
    ["remote", "full"],
    ["LOCAL", "local"],
    [" possible ", "possible"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeRemote(input)).toBe(expected);
  });

  it("reads booleans and numbers like their string forms", () => {
    expect(normalizeRemote(true)).toBe("possible");
    expect(normalizeRemote(false)).toBe("no");
    expect(normalizeRemote(0)).toBe("no");
    expect(normalizeRemote(1)).toBe("possible");
    expect(normalizeRemote(100)).toBe("full");
  });

  it("returns an unknown value unchanged so that moderation refuses it", () => {
    expect(normalizeRemote("parfois")).toBe("parfois");
    expect(normalizeRemote(50)).toBe("50");
  });

  it("returns null when absent", () => {
    expect(normalizeRemote(null)).toBeNull();
    expect(normalizeRemote(undefined)).toBeNull();
  });
});

describe("parseBoolean", () => {
  it.each([
    ["yes", true],
    ["TRUE", true],
    ["1", true],
    ["Oui", true],
    [" no ", false],
    ["false", false],
    ["0", false],
    ["NON", false],
  ])("%j → %j", (input, expected) => {
    expect(parseBoolean(input)).toBe(expected);
  });

  it("passes booleans through and reads 1/0", () => {
    expect(parseBoolean(true)).toBe(true);
    expect(parseBoolean(false)).toBe(false);
    expect(parseBoolean(1)).toBe(true);
    expect(parseBoolean(0)).toBe(false);
  });

  it("gives null for unknown or absent values", () => {
    expect(parseBoolean("peut-être")).toBeNull();
    expect(parseBoolean("")).toBeNull();
    expect(parseBoolean(null)).toBeNull();
    expect(parseBoolean(undefined)).toBeNull();
    expect(parseBoolean(2)).toBeNull();
  });
});

describe("normalizeCompensationUnit", () => {
  it.each([
    ["hour", "hour"],
    ["Heure", "hour"],
    ["heures", "hour"],
    ["day", "day"],
    ["jour", "day"],
    ["JOURS", "day"],
    ["month", "month"],
    ["mois", "month"],
    ["year", "year"],
    ["an", "year"],
    ["ans", "year"],
    ["annee", "year"],
    ["Année", "year"],
    ["années", "year"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeCompensationUnit(input)).toBe(expected);
  });

  it("lower-cases an unknown unit so that moderation refuses it", () => {
    expect(normalizeCompensationUnit(" Semaine ")).toBe("semaine");
  });

  it("gives null when absent or blank", () => {
    expect(normalizeCompensationUnit(null)).toBeNull();
    expect(normalizeCompensationUnit(undefined)).toBeNull();
    expect(normalizeCompensationUnit("  ")).toBeNull();
  });
});

describe("normalizeCompensationType", () => {
  it("lower-cases and trims", () => {
    expect(normalizeCompensationType("Gross")).toBe("gross");
    expect(normalizeCompensationType(" NET ")).toBe("net");
    expect(normalizeCompensationType("Brut")).toBe("brut");
  });

  it("gives null when absent or blank", () => {
    expect(normalizeCompensationType("")).toBeNull();
    expect(normalizeCompensationType(null)).toBeNull();
    expect(normalizeCompensationType(undefined)).toBeNull();
  });
});

describe("cleanStringList", () => {
  it("splits a comma-separated string, trims, drops empty items and duplicates", () => {
    expect(cleanStringList(" a, b ,,c, a ,")).toEqual(["a", "b", "c"]);
  });

  it("keeps array items whole (commas included)", () => {
    expect(cleanStringList(["Jeunes, étudiants", " Seniors ", "", "Seniors"])).toEqual([
      "Jeunes, étudiants",
      "Seniors",
    ]);
  });

  it("turns numbers into strings and ignores other item types", () => {
    expect(cleanStringList(["M1503", 42, null, { a: 1 }, true])).toEqual(["M1503", "42"]);
    expect(cleanStringList(7)).toEqual(["7"]);
  });

  it("gives [] for absent or unsupported values", () => {
    expect(cleanStringList(null)).toEqual([]);
    expect(cleanStringList(undefined)).toEqual([]);
    expect(cleanStringList("")).toEqual([]);
    expect(cleanStringList({ value: "a" })).toEqual([]);
  });
});

describe("monthsBetween", () => {
  it("counts calendar months in UTC, ignoring the day of the month", () => {
    expect(monthsBetween(new Date("2025-09-01T00:00:00Z"), new Date("2026-06-30T00:00:00Z"))).toBe(9);
    expect(monthsBetween(new Date("2025-01-31T00:00:00Z"), new Date("2025-02-01T00:00:00Z"))).toBe(1);
    expect(monthsBetween(new Date("2025-03-01T00:00:00Z"), new Date("2025-03-31T23:00:00Z"))).toBe(0);
    expect(monthsBetween(new Date("2024-12-15T00:00:00Z"), new Date("2026-01-15T00:00:00Z"))).toBe(13);
  });

  it("uses UTC, not the local time zone", () => {
    // 23:30 UTC on 31 Jan is already February in Paris: still January in UTC.
    expect(monthsBetween(new Date("2025-01-01T00:00:00Z"), new Date("2025-01-31T23:30:00Z"))).toBe(0);
  });

  it("gives null without an end, with an invalid date, or when the end is before the start", () => {
    expect(monthsBetween(new Date("2025-01-01T00:00:00Z"), null)).toBeNull();
    expect(monthsBetween(new Date("2025-01-01T00:00:00Z"), undefined)).toBeNull();
    expect(monthsBetween(null, new Date("2025-01-01T00:00:00Z"))).toBeNull();
    expect(monthsBetween(new Date("nope"), new Date("2025-01-01T00:00:00Z"))).toBeNull();
    expect(monthsBetween(new Date("2025-05-01T00:00:00Z"), new Date("2025-03-01T00:00:00Z"))).toBeNull();
  });
});
