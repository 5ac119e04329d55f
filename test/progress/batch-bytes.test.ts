import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { FEED_PAGE_BYTES } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const OWNER = "ann@example.com";
let progress: Progress | undefined;

afterEach(async () => {
  await progress?.close();
  progress = undefined;
});

describe("Batches sized by the rows they write", () => {
  for (const writerThread of [false, true]) {
    it(`keep a commit near FEED_PAGE_BYTES of metadata once rows are large${writerThread ? " (writer thread)" : ""}`, async () => {
      progress = createProgress({
        databaseUrl: tempDatabasePath(),
        sweepIntervalMs: 0,
        storeOptions: { writerThread },
      });
      const runs = await Promise.all(
        Array.from(
          { length: 300 },
          (_, i) => progress?.startRun({ owner: OWNER, title: `run ${i}` }) as Promise<{ id: string }>,
        ),
      );
      const sizes: number[][] = [[], []];
      let round = 0;
      progress.on("batch", ({ size }) => sizes[round]?.push(size));
      const notes = "z".repeat(15_000);
      // Two rounds of 300 writers at once, each with 15 KB of metadata (near the 16 KiB limit): the first
      // round's batches go out before any answer says how large the rows are; the second's are sized by it.
      for (; round < 2; round++) {
        await Promise.all(
          runs.map((run, i) => progress?.updateRunProgress(run.id, OWNER, { metadata: { notes, round, i } })),
        );
      }
      const fit = Math.ceil(FEED_PAGE_BYTES / 15_000);
      const [first = [], second = []] = sizes;
      expect(first.reduce((sum, size) => sum + size, 0)).toBe(300);
      expect(second.reduce((sum, size) => sum + size, 0)).toBe(300);
      expect(Math.max(...second)).toBeLessThanOrEqual(fit);
      expect(second.length).toBeGreaterThanOrEqual(Math.ceil(300 / fit));
      const stored = await progress.getRun(runs[299]?.id as string, OWNER);
      expect(stored?.metadata).toEqual({ notes, round: 1, i: 299 });
    });
  }

  it("refuses batch limits that are not whole numbers of at least 1, naming the option", () => {
    for (const [option, value, message] of [
      ["maxBatchBytes", Number.NaN, /must be a (number|whole number)/],
      ["maxBatchBytes", 0, /must be at least 1/],
      ["maxBatchSize", 2.5, /must be a whole number/],
      ["maxBatchSize", -1, /must be at least 1/],
    ] as const) {
      const make = () => createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0, [option]: value });
      expect(make).toThrow(ValidationError);
      expect(make).toThrow(new RegExp(`^${option}: `));
      expect(make).toThrow(message);
    }
  });
});
