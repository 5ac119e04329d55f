import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgress, type Progress, withRun } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
const owner = "ann";

beforeEach(() => {
  progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
});
afterEach(async () => {
  await progress.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("withRun", () => {
  it("completes succeeded on return and hands back the result", async () => {
    let id = "";
    const result = await withRun({ progress, owner, title: "sum" }, async (run) => {
      id = run.id;
      await run.update({ percent: 50, step: "halfway" });
      return 42;
    });
    expect(result).toBe(42);
    expect(await progress.getRun(id, owner)).toMatchObject({ status: "succeeded", percent: 100, step: "halfway" });
  });

  it("completes failed with the error message as step, and rethrows", async () => {
    let id = "";
    await expect(
      withRun({ progress, owner, title: "boom" }, async (run) => {
        id = run.id;
        throw new Error("upstream returned 502");
      }),
    ).rejects.toThrow("upstream returned 502");
    expect(await progress.getRun(id, owner)).toMatchObject({ status: "failed", step: "upstream returned 502" });
  });

  it("never orphans a running row, even when the error message is longer than a step may be", async () => {
    let id = "";
    await expect(
      withRun({ progress, owner, title: "long error" }, () => {
        id = "pending";
        throw new Error("x".repeat(2000));
      }),
    ).rejects.toThrow();
    const [run] = await progress.listRuns(owner);
    id = run!.id;
    const stored = await progress.getRun(id, owner);
    expect(stored?.status).toBe("failed");
    expect(stored?.step).toHaveLength(500);
    expect(await progress.listRuns(owner, { activeOnly: true })).toEqual([]);
  });

  it("fires the signal when a user requests cancel, and completes cancelled", async () => {
    let id = "";
    const work = withRun({ progress, owner, title: "cancellable" }, async (run) => {
      id = run.id;
      await new Promise<void>((_, reject) => {
        run.signal.addEventListener("abort", () => reject(run.signal.reason));
      });
    });
    await sleep(20);
    await progress.requestCancel(id, owner);
    await expect(work).rejects.toThrow("the user asked to cancel this run");
    expect(await progress.getRun(id, owner)).toMatchObject({ status: "cancelled", cancelRequested: true });
  });

  it("completes cancelled when the caller's signal aborts", async () => {
    const controller = new AbortController();
    let id = "";
    const work = withRun({ progress, owner, title: "aborted", signal: controller.signal }, async (run) => {
      id = run.id;
      await new Promise((_, reject) => run.signal.addEventListener("abort", () => reject(new Error("stopped"))));
    });
    await sleep(20);
    controller.abort();
    await expect(work).rejects.toThrow("stopped");
    expect((await progress.getRun(id, owner))?.status).toBe("cancelled");
  });
});

describe("RunHandle", () => {
  it("coalesces updates to one write per interval, always writing the last value", async () => {
    const store = progress.store;
    await withRun({ progress, owner, title: "throttled", minIntervalMs: 200 }, async (run) => {
      const before = store.stats.ops;
      const writes = [];
      for (let i = 1; i <= 50; i++) writes.push(run.update({ percent: i }));
      const results = await Promise.all(writes);
      // The first goes at once; the other 49 coalesce into one more write.
      expect(store.stats.ops - before).toBe(2);
      expect(results.at(-1)?.percent).toBe(50);
      expect((await progress.getRun(run.id, owner))?.percent).toBe(50);
    });
  });

  it("writes at once when the step text changes", async () => {
    await withRun({ progress, owner, title: "steps", minIntervalMs: 10_000 }, async (run) => {
      const before = progress.store.stats.ops;
      await run.update({ step: "one" });
      await run.update({ step: "two" });
      await run.update({ step: "three" });
      expect(progress.store.stats.ops - before).toBe(3);
    });
  });

  it("step() sets percent and a readable step; stage() positions declared stages", async () => {
    await withRun(
      { progress, owner, title: "pipeline", minIntervalMs: 0, stages: ["download", { name: "classify", weight: 3 }] },
      async (run) => {
        expect(await run.step(90, 200, "classifying")).toMatchObject({ percent: 45, step: "classifying 90/200" });
        expect(await run.stage("classify")).toMatchObject({ percent: 25, step: "classify" });
        expect(await run.step(100, 200)).toMatchObject({ percent: 63, step: "classify 100/200" });
      },
    );
  });

  it("a fire-and-forget update whose write fails is no unhandled rejection, yet an awaiting caller sees it", async () => {
    const run = await progress.startRun({ owner, title: "doomed" });
    const { RunHandle } = await import("../../src/progress/index.js");
    const handle = new RunHandle(progress, run, { minIntervalMs: 0 });
    await progress.store.close(); // every later write fails
    handle.update({ percent: 10 }); // not awaited: must not crash the process
    await expect(handle.update({ percent: 20 })).rejects.toThrow(/database connection is not open/);
    handle.dispose();
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
  });

  it("heartbeatEvery keeps heartbeatAt fresh during a silent call", async () => {
    await withRun({ progress, owner, title: "silent" }, async (run) => {
      const stop = run.heartbeatEvery(20);
      await sleep(120);
      stop();
      const stored = await progress.getRun(run.id, owner);
      expect(stored!.version).toBeGreaterThanOrEqual(3);
      expect(Date.parse(stored!.heartbeatAt)).toBeGreaterThan(Date.parse(stored!.createdAt));
    });
  });
});
