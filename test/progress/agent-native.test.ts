/** Code written for agent-native's progress primitive runs unchanged: caller-chosen ids, completion through a patch. */
import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress, RunConflictError } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
afterEach(() => progress.close());

describe.each([false, true])("agent-native style calls (writer thread: %s)", (writerThread) => {
  it("starts a run under the caller's id and updates it by that id", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0, storeOptions: { writerThread } });
    const run = await progress.startRun({ id: "job-42", owner: "ann", title: "Import" });
    expect(run.id).toBe("job-42");
    expect(await progress.updateRunProgress("job-42", "ann", { percent: 30, step: "reading" })).toMatchObject({
      id: "job-42",
      percent: 30,
      version: 2,
    });
    expect((await progress.listRuns("ann")).map((r) => r.id)).toEqual(["job-42"]);
  });

  it("refuses an id that is taken with a conflict naming it, and keeps the first run as it was", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0, storeOptions: { writerThread } });
    await progress.startRun({ id: "job-1", owner: "ann", title: "first" });
    const again = progress.startRun({ id: "job-1", owner: "ann", title: "second" });
    await expect(again).rejects.toBeInstanceOf(RunConflictError);
    await expect(again).rejects.toMatchObject({
      code: "conflict",
      message: 'id: a run with id "job-1" already exists',
    });
    // Another owner cannot take it either (ids are unique per database), nor see the run.
    await expect(progress.startRun({ id: "job-1", owner: "bob", title: "mine?" })).rejects.toBeInstanceOf(
      RunConflictError,
    );
    expect(await progress.getRun("job-1", "bob")).toBeNull();
    // Two starts with one id in the same batch: the second is the conflict.
    const [a, b] = await Promise.allSettled([
      progress.startRun({ id: "same", owner: "ann", title: "a" }),
      progress.startRun({ id: "same", owner: "ann", title: "b" }),
    ]);
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    expect(await progress.getRun("job-1", "ann")).toMatchObject({ title: "first", version: 1 });
    expect(await progress.getRun("same", "ann")).toMatchObject({ title: "a" });
  });

  it("completes a run through a patch with a terminal status, applying the patch's fields", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0, storeOptions: { writerThread } });
    const run = await progress.startRun({ owner: "ann", title: "Export" });
    const done = await progress.updateRunProgress(run.id, "ann", {
      status: "failed",
      step: "disk full",
      metadata: { code: 28 },
    });
    expect(done).toMatchObject({ status: "failed", step: "disk full", metadata: { code: 28 }, version: 2 });
    expect(done?.completedAt).not.toBeNull();
    // Terminal: later writes change nothing.
    expect(await progress.updateRunProgress(run.id, "ann", { percent: 50 })).toBeNull();
    const ok = await progress.startRun({ owner: "ann", title: "Export 2" });
    expect(await progress.updateRunProgress(ok.id, "ann", { status: "succeeded" })).toMatchObject({
      status: "succeeded",
      percent: 100,
    });
  });

  it("treats `status: running` as no change at all (no version bump)", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0, storeOptions: { writerThread } });
    const run = await progress.startRun({ owner: "ann", title: "Sync" });
    expect(await progress.updateRunProgress(run.id, "ann", { status: "running" })).toMatchObject({ version: 1 });
    expect(await progress.updateRunProgress(run.id, "ann", { status: "running", percent: 5 })).toMatchObject({
      version: 2,
      percent: 5,
      status: "running",
    });
  });
});

describe("a returned run", () => {
  it("is the caller's own copy: changing its metadata changes nothing stored", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
    const run = await progress.startRun({ owner: "ann", title: "Copy", metadata: { tags: ["a"], n: 1 } });
    (run.metadata.tags as string[]).push("mutated");
    run.metadata.n = 99;
    const updated = await progress.updateRunProgress(run.id, "ann", { metadata: { extra: true } });
    expect(updated?.metadata).toEqual({ tags: ["a"], n: 1, extra: true });
    (updated?.metadata as Record<string, unknown>).extra = "changed";
    await progress.updateRunProgress(run.id, "ann", { percent: 5 });
    expect((await progress.getRun(run.id, "ann"))?.metadata).toEqual({ tags: ["a"], n: 1, extra: true });
  });
});

describe("completing a finished run again", () => {
  it("is harmless with the same status and nothing new, and refused (not ignored) when it would change the run", async () => {
    progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
    const run = await progress.startRun({ owner: "ann", title: "Twice" });
    const done = await progress.completeRun(run.id, "ann", "succeeded", { step: "all 200 done", metadata: { n: 200 } });
    expect(await progress.completeRun(run.id, "ann", "succeeded")).toEqual(done);
    expect(await progress.completeRun(run.id, "ann", "succeeded", { step: "all 200 done" })).toEqual(done);
    expect(await progress.tryComplete(run.id, "ann", "succeeded", { step: "something else" })).toMatchObject({
      ok: false,
      reason: "terminal",
    });
    expect(await progress.completeRun(run.id, "ann", "succeeded", { metadata: { n: 201 } })).toBeNull();
    expect(await progress.getRun(run.id, "ann")).toEqual(done);
  });
});
