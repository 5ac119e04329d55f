import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const open: Progress[] = [];
afterEach(async () => {
  for (const progress of open.splice(0)) await progress.close();
});

describe.each([
  ["on the main thread", false],
  ["on a writer thread", true],
])("two writers on one SQLite file, committing %s", (_label, writerThread) => {
  it("builds each write on the other writer's latest version, never on a stale cached row", async () => {
    const path = tempDatabasePath();
    const a = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
    const b = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    open.push(a, b);
    const run = await a.startRun({ owner: "ann", title: "shared" });
    await a.updateRunProgress(run.id, "ann", { percent: 10, step: "from A" }); // now cached in A
    await b.updateRunProgress(run.id, "ann", { percent: 70, step: "from B", metadata: { by: "b" } });
    const after = await a.updateRunProgress(run.id, "ann", { step: "A again" });
    expect(after).toMatchObject({ version: 4, percent: 70, step: "A again", metadata: { by: "b" } });
    await b.completeRun(run.id, "ann", "cancelled");
    expect(await a.updateRunProgress(run.id, "ann", { percent: 90 })).toBeNull();
    expect(await a.getRun(run.id, "ann")).toMatchObject({ status: "cancelled", percent: 70, version: 5 });
  });

  it("keeps many interleaved writes from both in order", async () => {
    const path = tempDatabasePath();
    const a = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
    const b = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    open.push(a, b);
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => a.startRun({ owner: "ann", title: `r${i}` })));
    await Promise.all(
      runs.map(async (run) => {
        for (let i = 0; i < 10; i++) {
          await a.updateRunProgress(run.id, "ann", { metadata: { [`a${i}`]: i } });
          await b.updateRunProgress(run.id, "ann", { metadata: { [`b${i}`]: i } });
        }
      }),
    );
    for (const run of runs) {
      const stored = await b.getRun(run.id, "ann");
      expect(stored?.version).toBe(21);
      expect(Object.keys(stored?.metadata ?? {})).toHaveLength(20);
    }
  });
});
