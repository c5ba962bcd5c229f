import { describe, expect, it } from "vitest";
import { acceptedFormats, parseMissionDate, type DateOrder } from "../../src/missions/rules/dates.ts";

const iso = (text: string, order: DateOrder = "dmy") => {
  const result = parseMissionDate(text, order);
  if (result === null) return null;
  return result.ok ? result.date.toISOString() : `error: ${result.message}`;
};

describe("parseMissionDate: accepted formats", () => {
  it.each([
    // ISO 8601 date and date-time; no zone = UTC, date only = 00:00 UTC
    ["2025-09-01", "2025-09-01T00:00:00.000Z"],
    ["  2025-09-01  ", "2025-09-01T00:00:00.000Z"],
    ["2025-09-01T09:00", "2025-09-01T09:00:00.000Z"],
    ["2025-09-01T09:00:00", "2025-09-01T09:00:00.000Z"],
    ["2025-09-01 09:00:00", "2025-09-01T09:00:00.000Z"],
    ["2025-09-01T09:00:00Z", "2025-09-01T09:00:00.000Z"],
    ["2025-09-01T09:00:00.5Z", "2025-09-01T09:00:00.500Z"],
    ["2025-09-01T09:00:00.123456789Z", "2025-09-01T09:00:00.123Z"],
    ["2025-09-01T09:00:00+02:00", "2025-09-01T07:00:00.000Z"],
    ["2025-09-01T09:00:00+0200", "2025-09-01T07:00:00.000Z"],
    ["2025-09-01T09:00:00-05:30", "2025-09-01T14:30:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    // day/month/year (French), with -, . separators and an optional time read as UTC
    ["01/09/2025", "2025-09-01T00:00:00.000Z"],
    ["1/9/2025", "2025-09-01T00:00:00.000Z"],
    ["01-09-2025", "2025-09-01T00:00:00.000Z"],
    ["01.09.2025", "2025-09-01T00:00:00.000Z"],
    ["01/09/2025 14:30", "2025-09-01T14:30:00.000Z"],
    ["01/09/2025 14:30:15", "2025-09-01T14:30:15.000Z"],
    ["11/01/2025", "2025-01-11T00:00:00.000Z"],
    ["31/12/2025", "2025-12-31T00:00:00.000Z"],
    // Unix time: 10 digits = seconds (FIX: today read as milliseconds), 13 digits = milliseconds
    ["1735689600", "2025-01-01T00:00:00.000Z"],
    ["1735689600000", "2025-01-01T00:00:00.000Z"],
    // RFC 2822 / HTTP dates
    ["Fri, 10 Mar 2020 22:49:39 GMT", "2020-03-10T22:49:39.000Z"],
    ["Fri, 10 March 2020 22:49:39 GMT", "2020-03-10T22:49:39.000Z"],
    ["10 Mar 2020 22:49:39 +0100", "2020-03-10T21:49:39.000Z"],
    ["Tue, 10 Mar 2020 22:49 EST", "2020-03-11T03:49:00.000Z"],
    ["10 Mar 2020", "2020-03-10T00:00:00.000Z"],
  ])("%j → %s (dmy)", (text, expected) => {
    expect(iso(text, "dmy")).toBe(expected);
  });

  it.each([
    ["11/01/2025", "2025-11-01T00:00:00.000Z"],
    ["01/11/2025", "2025-01-11T00:00:00.000Z"],
    ["12/31/2025", "2025-12-31T00:00:00.000Z"],
    ["9/1/2025 08:00", "2025-09-01T08:00:00.000Z"],
    ["2025-09-01", "2025-09-01T00:00:00.000Z"],
  ])("%j → %s (mdy: month first)", (text, expected) => {
    expect(iso(text, "mdy")).toBe(expected);
  });

  it("returns null for an empty value (no date given)", () => {
    expect(parseMissionDate("", "dmy")).toBeNull();
    expect(parseMissionDate("   ", "dmy")).toBeNull();
  });
});

describe("parseMissionDate: errors", () => {
  it.each([
    ["31/02/2025", "cette date n'existe pas (lue comme jour/mois/année)"],
    ["29/02/2025", "cette date n'existe pas (lue comme jour/mois/année)"],
    ["12/31/2025", "le mois 31 n'existe pas (lue comme jour/mois/année)"],
    ["2025-02-30", "cette date n'existe pas"],
    ["2025-13-01", "le mois 13 n'existe pas"],
    ["2025-09-01T25:00:00Z", "cette heure n'existe pas"],
    ["01/09/2025 24:10", "cette heure n'existe pas"],
    ["1899-12-31", "l'année doit être comprise entre 1900 et 2100"],
    ["01/01/2101", "l'année doit être comprise entre 1900 et 2100"],
    ["9999999999999", "l'année doit être comprise entre 1900 et 2100"],
    ["2025-09-01T09:00:00+25:00", "fuseau horaire illisible"],
    ["2025/31/12", acceptedFormats("dmy")],
    ["demain", acceptedFormats("dmy")],
    ["12345", acceptedFormats("dmy")],
    ["173568960", acceptedFormats("dmy")],
    ["01/09/25", acceptedFormats("dmy")],
    ["01/09-2025", acceptedFormats("dmy")],
    ["2025-9-1", acceptedFormats("dmy")],
    ["Fri, 10 Foo 2020 22:49:39 GMT", acceptedFormats("dmy")],
    ["2025-09-01T09:00:00 Europe/Paris", acceptedFormats("dmy")],
  ])("%j → %s", (text, message) => {
    expect(parseMissionDate(text, "dmy")).toEqual({ ok: false, message });
  });

  it("names the order it used", () => {
    expect(parseMissionDate("31/02/2025", "mdy")).toEqual({ ok: false, message: "le mois 31 n'existe pas (lue comme mois/jour/année)" });
    expect(parseMissionDate("nope", "mdy")).toEqual({ ok: false, message: acceptedFormats("mdy") });
    expect(acceptedFormats("dmy")).toBe("formats acceptés : 2025-09-01, 2025-09-01T09:00:00Z ou 01/09/2025 (jour/mois/année)");
    expect(acceptedFormats("mdy")).toBe("formats acceptés : 2025-09-01, 2025-09-01T09:00:00Z ou 09/01/2025 (mois/jour/année)");
  });

  it("never throws on odd input", () => {
    for (const text of ["\u0000", "-".repeat(10_000), "💥", "NaN", "Infinity", "1e10", undefined as unknown as string]) {
      expect(() => parseMissionDate(text, "dmy")).not.toThrow();
    }
  });
});
