import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adjustTotals,
  childShare,
  NO_CHILDREN,
  percentOfTotals,
  type RunStatus,
  rollupPercent,
} from "../../src/core/index.js";

describe("roll-up", () => {
  it("is the weighted mean of children; only a child that succeeded counts as done", () => {
    expect(rollupPercent([])).toBeNull();
    expect(
      rollupPercent([
        { percent: 50, status: "running", metadata: {} },
        { percent: 0, status: "running", metadata: { weight: 3 } },
      ]),
    ).toBe(13); // (50*1 + 0*3) / 4 = 12.5
    expect(
      rollupPercent([
        { percent: 10, status: "failed", metadata: {} },
        { percent: null, status: "running", metadata: { weight: "heavy" } },
      ]),
    ).toBe(5); // a failed child is not done: (10 + 0) / 2
    expect(
      rollupPercent([
        { percent: 30, status: "succeeded", metadata: {} },
        { percent: 40, status: "cancelled", metadata: {} },
      ]),
    ).toBe(70); // (100 + 40) / 2
  });
});

describe("roll-up arithmetic", () => {
  const child = fc.record({
    percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    status: fc.constantFrom("running", "succeeded", "failed", "cancelled") as fc.Arbitrary<RunStatus>,
    weight: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0.01, max: 1e6, noNaN: true })),
  });
  const floatMean = (children: Array<{ percent: number | null; status: RunStatus; weight: number }>) => {
    let total = 0;
    let done = 0;
    for (const c of children) {
      total += c.weight;
      done += c.weight * (c.status === "succeeded" ? 100 : (c.percent ?? 0));
    }
    return done / total;
  };

  it("is the weighted mean a floating-point sum gives, rounded half up, wherever that sum is not within a hair of .5", () => {
    fc.assert(
      fc.property(fc.array(child, { minLength: 1, maxLength: 50 }), (children) => {
        const mean = floatMean(children);
        const fraction = mean - Math.floor(mean);
        // Weights count to a millionth: a weight of at least 0.01 is off by at most 0.5 / 10,000 of itself, so
        // the mean by at most 100 × 0.00005 = 0.005 points; only a mean that close to a boundary may round the other way.
        fc.pre(Math.abs(fraction - 0.5) > 0.005);
        const rows = children.map((c) => ({ percent: c.percent, status: c.status, metadata: { weight: c.weight } }));
        expect(rollupPercent(rows)).toBe(Math.round(mean));
      }),
    );
  });

  it("is exact for whole weights, ties included, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(
          child.map((c) => ({ ...c, weight: Math.max(1, Math.round(c.weight)) })),
          { minLength: 1, maxLength: 50 },
        ),
        (children) => {
          const rows = children.map((c) => ({ percent: c.percent, status: c.status, metadata: { weight: c.weight } }));
          expect(rollupPercent(rows)).toBe(Math.round(floatMean(children)));
          expect(rollupPercent([...rows].reverse())).toBe(rollupPercent(rows));
        },
      ),
    );
  });

  it("sums child shares exactly however they come and go", () => {
    const shares = [
      childShare({ percent: 33, status: "running", metadata: { weight: 0.1 } }),
      childShare({ percent: 100, status: "failed", metadata: { weight: 1e6 } }),
      childShare({ percent: null, status: "succeeded", metadata: { weight: 1 / 3 } }),
    ];
    let totals = NO_CHILDREN;
    for (let round = 0; round < 1000; round++) {
      for (const share of shares) totals = adjustTotals(totals, share, NO_CHILDREN);
      for (const share of shares.slice(1)) totals = adjustTotals(totals, NO_CHILDREN, share);
    }
    expect(totals).toEqual({ weight: 100_000n * 1000n, done: 3_300_000n * 1000n });
    expect(percentOfTotals(totals)).toBe(33);
    expect(percentOfTotals(NO_CHILDREN)).toBeNull();
    // A weight under half a millionth still weighs one unit; an unusable one weighs 1.
    expect(childShare({ percent: 50, status: "running", metadata: { weight: 1e-9 } })).toEqual({
      weight: 1n,
      done: 50n,
    });
    expect(childShare({ percent: 50, status: "running", metadata: { weight: 1e308 } })).toEqual({
      weight: 1_000_000n,
      done: 50_000_000n,
    });
  });
});
