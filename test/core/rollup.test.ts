import { describe, expect, it } from "vitest";
import { rollupPercent } from "../../src/core/index.js";

describe("roll-up", () => {
  it("is the weighted mean of children, finished children counting as done", () => {
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
    ).toBe(50);
  });
});
