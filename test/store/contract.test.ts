import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { BACKENDS } from "./backends.js";
import { runStoreContract } from "./store-contract.js";

for (const backend of BACKENDS) runStoreContract(backend.name, { open: backend.open });

/**
 * Concurrency through two connections to one database in one process (the
 * multi-process hammer is test/hammer): the cases every backend must pass.
 */
for (const backend of BACKENDS) {
  describe(`RunStore contract, two connections: ${backend.name}`, () => {
    const open: Progress[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((progress) => progress.close()));
    });
    function pair(): [Progress, Progress] {
      const database = backend.database();
      const both = [0, 1].map(() => createProgress({ backend: database.open(), sweepIntervalMs: 0 }));
      open.push(...both);
      return both as [Progress, Progress];
    }

    it("loses no metadata key when both merge into the same runs at once", async () => {
      const [a, b] = pair();
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => a.startRun({ owner: "ann", title: `r${i}` })),
      );
      const writes: Array<Promise<unknown>> = [];
      for (let n = 0; n < 30; n++) {
        for (const run of runs) {
          writes.push(a.updateRunProgress(run.id, "ann", { metadata: { [`a${n}`]: n } }));
          writes.push(b.updateRunProgress(run.id, "ann", { metadata: { [`b${n}`]: n } }));
        }
      }
      await Promise.all(writes);
      for (const run of runs) {
        const stored = await b.getRun(run.id, "ann");
        expect(Object.keys(stored?.metadata ?? {}).length, run.title).toBe(60);
        expect(stored?.version).toBe(61);
      }
    });

    it("lets one of two connections begin each automation episode", async () => {
      const [a, b] = pair();
      for (let episode = 1; episode <= 20; episode++) {
        const check = { version: episode * 2, checkedAt: episode };
        const won = await Promise.all([
          a.backend.automationState.begin("slow", "r1", episode, check, 0),
          b.backend.automationState.begin("slow", "r1", episode, check, 0),
        ]);
        expect(won.filter(Boolean), `episode ${episode}`).toHaveLength(1);
        await b.backend.automationState.end("slow", "r1", { version: episode * 2 + 1, checkedAt: episode }, 0);
      }
      expect(await a.backend.automationState.get("slow", "r1")).toEqual({
        episode: 20,
        matching: false,
        version: 41,
        checkedAt: 20,
      });
    });

    it("never lets both complete a run with different statuses", async () => {
      const [a, b] = pair();
      const runs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => a.startRun({ owner: "ann", title: `r${i}` })),
      );
      const results = await Promise.all(
        runs.map((run, i) =>
          Promise.all(
            i % 2
              ? [a.completeRun(run.id, "ann", "succeeded"), b.completeRun(run.id, "ann", "failed")]
              : [b.completeRun(run.id, "ann", "failed"), a.completeRun(run.id, "ann", "succeeded")],
          ),
        ),
      );
      for (const [i, [first, second]] of results.entries()) {
        const [succeeded, failed] = i % 2 ? [first, second] : [second, first];
        expect(Number(succeeded !== null) + Number(failed !== null), `run ${i}`).toBe(1);
        const winner = succeeded ?? failed;
        expect((await a.getRun(runs[i]!.id, "ann"))?.status).toBe(winner?.status);
      }
    });
  });
}
