/**
 * Periods of the statistics, in Europe/Paris days written YYYY-MM-DD (a day is a calendar date:
 * its arithmetic is done in UTC, where every day has 24 hours). Pure functions.
 */

export type Interval = "day" | "week" | "month";

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Longest range a query may cover (the series then has at most ~120 monthly points). */
export const MAX_RANGE_DAYS = 3700;
/** Under this many days a series is daily, else monthly (as today's dashboards). */
export const DAILY_UNDER_DAYS = 61;

/** A valid calendar day, or null. */
export function parseDay(text: string): string | null {
  const match = DAY.exec(text);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text ? text : null;
}

const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  return fromMs(toMs(day) + n * DAY_MS);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY_MS) + 1;
}

/** Today in Europe/Paris. */
const PARIS_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" });

export function parisToday(now: Date = new Date()): string {
  return PARIS_DAY.format(now);
}

export const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

/** The first day of the next month. */
export function nextMonth(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return fromMs(Date.UTC(y, m, 1));
}

/** Monday of the ISO week of `day`. */
export function weekOf(day: string): string {
  const ms = toMs(day);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return fromMs(ms - weekday * DAY_MS);
}

export function periodOf(day: string, interval: Interval): string {
  return interval === "day" ? day : interval === "week" ? weekOf(day) : monthOf(day);
}

/** Every period of the range, in order (a series lists the empty ones too). */
export function periodsOf(from: string, to: string, interval: Interval): string[] {
  const periods: string[] = [];
  let current = periodOf(from, interval);
  while (current <= to) {
    periods.push(current);
    current = interval === "day" ? addDays(current, 1) : interval === "week" ? addDays(current, 7) : nextMonth(current);
  }
  return periods;
}

/** The series' interval when none is asked: daily under 61 days, monthly beyond. */
export function defaultInterval(from: string, to: string): Interval {
  return daysBetween(from, to) < DAILY_UNDER_DAYS ? "day" : "month";
}

/**
 * The range cut into what the daily tables must answer (the days of months not wholly inside) and
 * the whole months the monthly tables answer. With a daily or weekly series everything is daily.
 */
export interface RangeParts {
  /** Day ranges, both ends included. */
  days: Array<{ from: string; to: string }>;
  /** First days of the whole months, first and last included; null when there is none. */
  months: { from: string; to: string } | null;
}

export function splitRange(from: string, to: string, interval: Interval | null): RangeParts {
  if (interval === "day" || interval === "week") return { days: [{ from, to }], months: null };
  const firstWhole = from === monthOf(from) ? from : nextMonth(monthOf(from));
  const afterLastWhole = monthOf(addDays(to, 1)); // the month after the last one that ends by `to`
  if (firstWhole >= afterLastWhole) return { days: [{ from, to }], months: null };
  const days: RangeParts["days"] = [];
  if (from < firstWhole) days.push({ from, to: addDays(firstWhole, -1) });
  if (afterLastWhole <= to) days.push({ from: afterLastWhole, to });
  return { days, months: { from: firstWhole, to: monthOf(addDays(afterLastWhole, -1)) } };
}

/** Grains of the per-side tables (migration 011): day, ISO week (Monday), month (first day). */
export type Grain = "d" | "w" | "m";

/** A period of one grain that the per-side tables hold, and the series bucket it counts in. */
export interface PeriodUnit {
  grain: Grain;
  period: string;
  /** The series period it belongs to ("" without series). */
  bucket: string;
}

/**
 * The range covered by the fewest stored periods: each bucket of the series (the whole range without
 * one) as the whole months inside it, then the whole weeks inside what is left, then single days.
 * A year from mid-month is ~20 periods instead of 365 days.
 */
export function coverRange(from: string, to: string, interval: Interval | null): PeriodUnit[] {
  const units: PeriodUnit[] = [];
  const buckets = interval
    ? periodsOf(from, to, interval).map((bucket) => {
        const end = interval === "day" ? bucket : interval === "week" ? addDays(bucket, 6) : addDays(nextMonth(bucket), -1);
        return { bucket, from: bucket < from ? from : bucket, to: end > to ? to : end };
      })
    : [{ bucket: "", from, to }];
  for (const b of buckets) {
    const push = (grain: Grain, period: string) => units.push({ grain, period, bucket: b.bucket });
    const rest: Array<[string, string]> = [];
    let month = b.from === monthOf(b.from) ? b.from : nextMonth(monthOf(b.from));
    const firstMonth = month;
    while (addDays(nextMonth(month), -1) <= b.to) {
      push("m", month);
      month = nextMonth(month);
    }
    if (month === firstMonth) rest.push([b.from, b.to]);
    else rest.push([b.from, addDays(firstMonth, -1)], [month, b.to]);
    for (const [start, end] of rest) {
      if (start > end) continue;
      let week = weekOf(start) === start ? start : addDays(weekOf(start), 7);
      const firstWeek = week;
      while (addDays(week, 6) <= end) {
        push("w", week);
        week = addDays(week, 7);
      }
      const dayRuns: Array<[string, string]> = week === firstWeek ? [[start, end]] : [[start, addDays(firstWeek, -1)], [week, end]];
      for (const [a, z] of dayRuns) for (let day = a; day <= z; day = addDays(day, 1)) push("d", day);
    }
  }
  return units;
}
