/**
 * A statistics report as CSV lines: the first breakdown when one is asked, else the series (one
 * line per period, or per period and partner when split). French headers; with `;` as separator
 * (spreadsheets set to French) decimals take a comma. Pure.
 */
import { type BreakdownRow, METRIC_OF, type Metrics, type SeriesPoint, type StatsReport } from "./stats-report.ts";
import type { Dimension, EventType, Side } from "./stats-store.ts";

export type Separator = "," | ";";

const METRIC_HEADERS: Readonly<Record<EventType, string>> = {
  impression: "Impressions",
  click: "Redirections",
  account: "Créations de compte",
  apply: "Candidatures",
};

export function dimensionHeader(dimension: Dimension, side: Side): string {
  switch (dimension) {
    case "partner":
      return side === "diffuseur" ? "Annonceur" : "Diffuseur";
    case "channel":
      return "Moyen de diffusion";
    case "source":
      return "Widget ou campagne";
    case "mission":
      return "Mission";
    case "domain":
      return "Domaine";
    case "department":
      return "Département";
  }
}

/** A text cell: quoted when needed; a leading = + - @ is neutralised (no formula runs in a spreadsheet). */
export function textCell(value: string, separator: Separator): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /["\r\n]/.test(safe) || safe.includes(separator) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function numberCell(value: number | null | undefined, separator: Separator): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return separator === ";" ? text.replace(".", ",") : text;
}

function metricCells(metrics: Metrics, types: readonly EventType[], separator: Separator): string[] {
  const cells = types.map((type) => numberCell(metrics[METRIC_OF[type]] ?? 0, separator));
  if (types.includes("click") && types.includes("apply")) cells.push(numberCell(metrics.conversionRate, separator));
  return cells;
}

function metricHeaders(types: readonly EventType[]): string[] {
  const headers = types.map((type) => METRIC_HEADERS[type]);
  if (types.includes("click") && types.includes("apply")) headers.push("Taux de conversion");
  return headers;
}

export interface CsvShape {
  side: Side;
  types: readonly EventType[];
  groupBy: readonly Dimension[];
  separator: Separator;
}

/** The lines, each ending with CRLF (RFC 4180). */
export function* csvLines(report: StatsReport, shape: CsvShape): Generator<string> {
  const { separator, types } = shape;
  const line = (cells: string[]) => `${cells.join(separator)}\r\n`;
  const dimension = shape.groupBy[0];
  if (dimension) {
    yield line([dimensionHeader(dimension, shape.side), "Identifiant", ...metricHeaders(types)]);
    for (const row of report.breakdowns[dimension] ?? ([] as BreakdownRow[])) {
      yield line([textCell(row.label, separator), textCell(row.key, separator), ...metricCells(row, types, separator)]);
    }
    return;
  }
  const points = report.series ?? [];
  const split = points.some((point) => point.partners);
  yield line(["Période", ...(split ? [dimensionHeader("partner", shape.side)] : []), ...metricHeaders(types)]);
  for (const point of points as SeriesPoint[]) {
    if (!point.partners) {
      yield line([point.period, ...metricCells(point, types, separator)]);
      continue;
    }
    for (const partner of point.partners) yield line([point.period, textCell(partner.name, separator), ...metricCells(partner, types, separator)]);
  }
}
