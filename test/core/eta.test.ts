import { describe, expect, it } from "vitest";
import { addSample, estimateEtaMs, type ProgressSample } from "../../src/core/index.js";

function feed(points: Array<[number, number]>): ProgressSample[] {
  let samples: ProgressSample[] = [];
  for (const [at, percent] of points) samples = addSample(samples, at, percent);
  return samples;
}

describe("ETA", () => {
  it("is null until there is a rate", () => {
    expect(estimateEtaMs([])).toBeNull();
    expect(estimateEtaMs(feed([[0, 10]]))).toBeNull();
  });

  it("extrapolates a steady rate", () => {
    // 10% per second: at 50% there are 5 seconds left.
    expect(
      estimateEtaMs(
        feed([
          [0, 0],
          [1000, 10],
          [2000, 20],
          [3000, 30],
          [4000, 40],
          [5000, 50],
        ]),
      ),
    ).toBe(5000);
  });

  it("shrugs off one long pause", () => {
    const steady = [
      [0, 0],
      [1000, 10],
      [2000, 20],
      [3000, 30],
    ] as Array<[number, number]>;
    const paused = feed([...steady, [60_000, 40], [61_000, 50], [62_000, 60]]);
    expect(estimateEtaMs(paused)).toBe(4000);
  });

  it("starts over when percent goes backwards", () => {
    const samples = feed([
      [0, 0],
      [1000, 50],
      [2000, 60],
      [3000, 10],
    ]);
    expect(samples).toEqual([[3000, 10]]);
    expect(estimateEtaMs(samples)).toBeNull();
    expect(estimateEtaMs(addSample(samples, 4000, 20))).toBe(8000);
  });

  it("is zero at 100%", () => {
    expect(
      estimateEtaMs(
        feed([
          [0, 50],
          [1000, 100],
        ]),
      ),
    ).toBe(0);
  });
});

describe("samples", () => {
  it("keeps a window of the newest eight, merging same-instant observations", () => {
    const samples = feed(Array.from({ length: 12 }, (_, i) => [i * 1000, i * 5] as [number, number]));
    expect(samples).toHaveLength(8);
    expect(samples[0]).toEqual([4000, 20]);
    expect(addSample(samples, 11_000, 60).at(-1)).toEqual([11_000, 60]);
    expect(addSample(samples, 11_000, 60)).toHaveLength(8);
    expect(addSample(samples, 11_000, 55)).toBe(samples);
  });
});

describe("samples a few ms apart", () => {
  it("fold into the last one, so a parent written by two children in a burst keeps a sane ETA", () => {
    let samples = addSample([], 0, 10);
    for (let second = 1; second <= 6; second++) {
      // Two children report within 5 ms of each other, once a second, 1% each.
      samples = addSample(samples, second * 1000, 10 + second * 2 - 1);
      samples = addSample(samples, second * 1000 + 5, 10 + second * 2);
    }
    const eta = estimateEtaMs(samples) as number;
    // 2% a second from 22%: about 39 s, not the few hundred ms a 5 ms segment would give.
    expect(eta).toBeGreaterThan(30_000);
    expect(eta).toBeLessThan(50_000);
  });
});
