import { describe, expect, it } from "vitest";
import { rollupPercent } from "../../src/core/index.js";

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
