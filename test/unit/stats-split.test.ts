/** "Autres" of a series split by partner, as each period's total minus the top partners' cells. */
import { describe, expect, it } from "vitest";
import { othersAsRemainder } from "../../src/stats/stats-store.ts";

describe("othersAsRemainder", () => {
  it("keeps the top partners' cells and turns each period's total into the others' part, per type", () => {
    const cells = [
      { period: "2026-01-01", partner: "a", type: "click" as const, n: 5 },
      { period: "2026-01-01", partner: "b", type: "click" as const, n: 3 },
      { period: "2026-01-01", type: "click" as const, n: 10 },
      { period: "2026-01-01", partner: "a", type: "apply" as const, n: 1 },
      { period: "2026-01-01", type: "apply" as const, n: 1 },
      { period: "2026-02-01", partner: "a", type: "click" as const, n: 2 },
      { period: "2026-02-01", type: "click" as const, n: 7 },
    ];
    expect(othersAsRemainder(cells)).toEqual([
      { period: "2026-01-01", partner: "a", type: "click", n: 5 },
      { period: "2026-01-01", partner: "b", type: "click", n: 3 },
      { period: "2026-01-01", partner: "a", type: "apply", n: 1 },
      { period: "2026-02-01", partner: "a", type: "click", n: 2 },
      // The others: 10 − 5 − 3 clicks in January (no application left), 7 − 2 in February.
      { period: "2026-01-01", type: "click", n: 2 },
      { period: "2026-02-01", type: "click", n: 5 },
    ]);
  });

  it("has no others' cell when the top partners are all there is", () => {
    expect(othersAsRemainder([{ period: "2026-01-01", partner: "a", type: "click", n: 4 }, { period: "2026-01-01", type: "click", n: 4 }])).toEqual([
      { period: "2026-01-01", partner: "a", type: "click", n: 4 },
    ]);
  });
});
