/**
 * Regression tests for the defects of the foundation issue that one process
 * can show (the multi-process ones live in test/hammer). Each failed on the
 * code before the change feed: named in each test.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBus } from "../../src/bus/index.js";
import { type HeadwayEvent, ValidationError } from "../../src/core/index.js";
import { createProgress, HeadwayClosedError, type Progress, RunHandle } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const open: Progress[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((progress) => progress.close()));
});

function instance(path: string, writerThread = false, extra: Parameters<typeof createProgress>[0] = {}): Progress {
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread }, ...extra });
  open.push(progress);
  return progress;
}

/** Rejects when `promise` has not settled within `ms`: a hang becomes a failure with a name. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)),
  ]);
}

describe.each([
  ["on the caller's thread", false],
  ["on a writer thread", true],
])("a store writing %s", (_label, writerThread) => {
  it("settles a parent-and-child write right after another connection completed the parent (was: pipeline deadlock)", async () => {
    const path = tempDatabasePath();
    const progress = instance(path, writerThread);
    const other = instance(path);
    for (let trial = 0; trial < 20; trial++) {
      const parent = await progress.startRun({ owner: "ann", title: `parent ${trial}` });
      const child = await progress.startRun({ owner: "ann", title: "child", parentId: parent.id });
      // The other connection commits while our batches are out: the parent's write then has nothing
      // left to do, and the child's, right behind it, reads the tree.
      const foreign = other.completeRun(parent.id, "ann", "succeeded");
      const onParent = progress.updateRunProgress(parent.id, "ann", { percent: 10 });
      await new Promise((resolve) => setImmediate(resolve));
      const onChild = progress.updateRunProgress(child.id, "ann", { percent: 50 });
      await within(
        Promise.all([foreign, onParent, onChild]),
        5000,
        `trial ${trial}: writes around a foreign completion`,
      );
      expect(await onChild).toMatchObject({ percent: 50 });
      await within(progress.updateRunProgress(child.id, "ann", { percent: 60 }), 5000, `trial ${trial}: a later write`);
    }
  });

  it("rejects a write after close at once with a named error, and settles every write submitted before", async () => {
    const progress = instance(tempDatabasePath(), writerThread);
    const run = await progress.startRun({ owner: "ann", title: "closing" });
    const before = Array.from({ length: 200 }, (_, i) =>
      progress.updateRunProgress(run.id, "ann", { percent: i % 100 }),
    );
    const closed = progress.close();
    expect(progress.state).toBe("closing");
    const after = progress.updateRunProgress(run.id, "ann", { percent: 1 });
    await expect(within(after, 1000, "a write after close")).rejects.toBeInstanceOf(HeadwayClosedError);
    await expect(after).rejects.toMatchObject({ name: "HeadwayClosedError", code: "closed" });
    const settled = await within(Promise.allSettled(before), 5000, "writes submitted before close");
    expect(settled.every((result) => result.status === "fulfilled")).toBe(true);
    await within(closed, 5000, "close");
    expect(progress.state).toBe("closed");
    await expect(progress.startRun({ owner: "ann", title: "too late" })).rejects.toBeInstanceOf(HeadwayClosedError);
    await expect(progress.getRun(run.id, "ann")).rejects.toBeInstanceOf(HeadwayClosedError);
    await expect(progress.listRuns("ann")).rejects.toBeInstanceOf(HeadwayClosedError);
  });

  it("rejects a handle's update that fails only at write time, instead of leaving it pending (was: RunHandle hang)", async () => {
    const progress = instance(tempDatabasePath(), writerThread);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const run = await progress.startRun({ owner: "ann", title: "big metadata" });
      const handle = new RunHandle(progress, run, { minIntervalMs: 0 });
      const nineKb = "x".repeat(9 * 1024);
      await handle.update({ metadata: { a: nineKb } });
      // Each patch is within the limit; merged, they pass 16 KiB, which only the write can see.
      const second = handle.update({ metadata: { b: nineKb } });
      await expect(within(second, 5000, "the second update")).rejects.toBeInstanceOf(ValidationError);
      await expect(second).rejects.toThrow(/metadata: must be at most 16384 bytes/);
      handle.dispose();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      // What was stored is untouched.
      expect(Object.keys((await progress.getRun(run.id, "ann"))?.metadata ?? {})).toEqual(["a"]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("keeps a running run's history bounded (was: trimmed only at completion)", async () => {
    const path = tempDatabasePath();
    let now = Date.parse("2026-01-01T00:00:00Z");
    const progress = instance(path, writerThread, {
      clock: () => now,
      storeOptions: { writerThread, historyLimit: 50, historyIntervalMs: 1000 },
    });
    const run = await progress.startRun({ owner: "ann", title: "long" });
    for (let i = 0; i < 300; i++) {
      now += 1000;
      await progress.updateRunProgress(run.id, "ann", { percent: i % 100, step: `item ${i}` });
    }
    const db = new Database(path, { readonly: true });
    const { n } = db.prepare("SELECT count(*) AS n FROM run_history WHERE run_id = ?").get(run.id) as { n: number };
    db.close();
    expect(n).toBe(50);
    const history = await progress.getRunHistory(run.id, "ann");
    expect(history?.at(-1)).toMatchObject({ step: "item 299" });
  });

  it("resolves callers even when publishing throws, and reports it as a typed event (was: callers stranded)", async () => {
    const failures: unknown[] = [];
    const throwingBus: EventBus = {
      publish: () => {
        throw new Error("the bus is broken");
      },
      subscribe: () => () => {},
      onError: () => () => {},
      listenerCount: 1,
    };
    const progress = instance(tempDatabasePath(), writerThread, { bus: throwingBus });
    progress.on("follow:error", (error) => failures.push(error));
    const run = await within(progress.startRun({ owner: "ann", title: "still acknowledged" }), 5000, "startRun");
    await within(progress.updateRunProgress(run.id, "ann", { percent: 5 }), 5000, "update");
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(String(failures[0])).toContain("the bus is broken");
  });

  it("flush returns under steady load, once what came before it settled (was: never returned)", async () => {
    const progress = instance(tempDatabasePath(), writerThread);
    const run = await progress.startRun({ owner: "ann", title: "busy" });
    let stop = false;
    let written = 0;
    // Every commit brings the next write before the writer can go idle: the load never pauses.
    progress.subscribe(() => {
      if (stop) return;
      for (let i = 0; i < 4; i++) void progress.updateRunProgress(run.id, "ann", { percent: written++ % 100 });
    });
    await progress.updateRunProgress(run.id, "ann", { percent: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await within(progress.flush(), 5000, "flush under load");
    const atFlush = written;
    stop = true;
    await progress.flush();
    expect(atFlush).toBeGreaterThan(0);
  });

  it("gives a subscriber that joins while batches are out every later change (was: missed in 46 of 50)", async () => {
    const progress = instance(tempDatabasePath(), writerThread);
    const run = await progress.startRun({ owner: "ann", title: "joined mid-flight" });
    for (let trial = 0; trial < 30; trial++) {
      const writes = Array.from({ length: 20 }, (_, i) => progress.updateRunProgress(run.id, "ann", { percent: i }));
      await new Promise((resolve) => setImmediate(resolve));
      const seen: HeadwayEvent[] = [];
      const unsubscribe = progress.subscribe((event) => seen.push(event));
      const snapshot = await progress.getRun(run.id, "ann");
      const results = await Promise.all(writes);
      await progress.flush();
      unsubscribe();
      const last = Math.max(...results.map((result) => result?.version ?? 0));
      const newest = Math.max(snapshot?.version ?? 0, ...seen.map((event) => event.run?.version ?? 0));
      expect(newest, `trial ${trial}`).toBe(last);
    }
  });
});

describe("the writer thread", () => {
  it("rejects every batch out, and every later write, when it ends unasked (was: exit code 0 left them pending)", async () => {
    const progress = instance(tempDatabasePath(), true);
    const run = await progress.startRun({ owner: "ann", title: "orphaned" });
    const thread = (progress.store as unknown as { thread: { worker: { postMessage: (m: unknown) => void } } }).thread;
    // The worker's own clean exit, as if it ended by itself: code 0.
    thread.worker.postMessage({ type: "close" });
    const out = progress.updateRunProgress(run.id, "ann", { percent: 1 });
    await expect(within(out, 5000, "a write to a dead writer")).rejects.toMatchObject({ code: "writer_died" });
    await expect(
      within(progress.updateRunProgress(run.id, "ann", { percent: 2 }), 1000, "a later write"),
    ).rejects.toThrow(/writer thread exited/);
  });
});

describe("headway's entry points", () => {
  it("load better-sqlite3 only once a SQLite database is opened", async () => {
    const script = `
      import { createRequire } from "node:module";
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("better-sqlite3"));
      await import("./src/progress/index.ts");
      await import("./src/tools/index.ts");
      await import("./src/server/index.ts");
      const before = loaded();
      const { createProgress } = await import("./src/progress/index.ts");
      const progress = createProgress({ databaseUrl: ":memory:", sweepIntervalMs: 0 });
      const after = loaded();
      await progress.close();
      console.log(JSON.stringify({ before, after }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ]);
    expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({ before: false, after: true });
  });
});

describe("write shaping", () => {
  it("folds an agent's flood of updates to one run, never its completion, and resolves every caller", async () => {
    const progress = instance(tempDatabasePath());
    const run = await progress.startRun({ owner: "ann", title: "hot" });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));
    const writes = Array.from({ length: 10_000 }, (_, i) =>
      progress.updateRunProgress(run.id, "ann", { percent: i / 100, step: `item ${i}` }),
    );
    const done = progress.completeRun(run.id, "ann", "succeeded", { step: "all done" });
    const results = await within(Promise.all(writes), 10_000, "10,000 updates");
    expect(results.every((result) => result !== null)).toBe(true);
    expect(results.at(-1)).toMatchObject({ step: "item 9999" });
    expect(await done).toMatchObject({ status: "succeeded", step: "all done", percent: 100 });
    await progress.flush();
    // One version per write that reached the store, not one per call.
    expect(events.length).toBeLessThan(50);
    expect(events.at(-1)?.run).toMatchObject({ status: "succeeded", step: "all done" });
    const versions = events.map((event) => event.run?.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it("can be turned off: every update is its own version", async () => {
    const progress = instance(tempDatabasePath(), false, { coalesceUpdates: false });
    const run = await progress.startRun({ owner: "ann", title: "every one" });
    const results = await Promise.all(
      [1, 2, 3].map((i) => progress.updateRunProgress(run.id, "ann", { percent: i * 10 })),
    );
    expect(results.map((result) => result?.version)).toEqual([2, 3, 4]);
  });
});
