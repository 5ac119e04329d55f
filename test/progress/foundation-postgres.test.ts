/**
 * The foundation regressions of test/progress/foundation.test.ts that apply to
 * PostgreSQL (close, history bound, late validation, mid-flight subscriber),
 * each on a fresh schema.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type HeadwayEvent, ValidationError } from "../../src/core/index.js";
import { createProgress, HeadwayClosedError, type Progress, RunHandle } from "../../src/progress/index.js";
import { adminClient, freshSchema, POSTGRES_AVAILABLE, postgresUrl } from "../helpers/postgres.js";

const open: Progress[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((progress) => progress.close()));
});

function instance(schema = freshSchema(), extra: Parameters<typeof createProgress>[0] = {}): Progress {
  const progress = createProgress({ databaseUrl: postgresUrl(schema), sweepIntervalMs: 0, ...extra });
  open.push(progress);
  return progress;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms)),
  ]);
}

describe.skipIf(!POSTGRES_AVAILABLE)("a PostgreSQL store", () => {
  it("rejects a write after close at once with a named error, and settles every write submitted before", async () => {
    const progress = instance();
    const run = await progress.startRun({ owner: "ann", title: "closing" });
    const before = Array.from({ length: 200 }, (_, i) =>
      progress.updateRunProgress(run.id, "ann", { percent: i % 100 }),
    );
    const closed = progress.close();
    expect(progress.state).toBe("closing");
    const after = progress.updateRunProgress(run.id, "ann", { percent: 1 });
    await expect(within(after, 1000, "a write after close")).rejects.toBeInstanceOf(HeadwayClosedError);
    const settled = await within(Promise.allSettled(before), 5000, "writes submitted before close");
    expect(settled.every((result) => result.status === "fulfilled")).toBe(true);
    await within(closed, 5000, "close");
    expect(progress.state).toBe("closed");
    await expect(progress.startRun({ owner: "ann", title: "too late" })).rejects.toBeInstanceOf(HeadwayClosedError);
  });

  it("rejects a handle's update that fails only at write time, instead of leaving it pending", async () => {
    const progress = instance();
    const run = await progress.startRun({ owner: "ann", title: "big metadata" });
    const handle = new RunHandle(progress, run, { minIntervalMs: 0 });
    const nineKb = "x".repeat(9 * 1024);
    await handle.update({ metadata: { a: nineKb } });
    const second = handle.update({ metadata: { b: nineKb } });
    await expect(within(second, 5000, "the second update")).rejects.toBeInstanceOf(ValidationError);
    handle.dispose();
    expect(Object.keys((await progress.getRun(run.id, "ann"))?.metadata ?? {})).toEqual(["a"]);
  });

  it("keeps a running run's history bounded", async () => {
    const schema = freshSchema();
    let now = Date.parse("2026-01-01T00:00:00Z");
    const progress = instance(schema, {
      clock: () => now,
      storeOptions: { historyLimit: 50, historyIntervalMs: 1000 },
    });
    const run = await progress.startRun({ owner: "ann", title: "long" });
    for (let i = 0; i < 300; i++) {
      now += 1000;
      await progress.updateRunProgress(run.id, "ann", { percent: i % 100, step: `item ${i}` });
    }
    const sql = adminClient();
    const [row] = await sql.unsafe(`SELECT count(*)::int AS n FROM "${schema}".run_history WHERE run_id = $1`, [
      run.id,
    ]);
    await sql.end({ timeout: 1 });
    expect(row?.n).toBe(50);
    expect((await progress.getRunHistory(run.id, "ann"))?.at(-1)).toMatchObject({ step: "item 299" });
  });

  it("gives a subscriber that joins while batches are out every later change", async () => {
    const progress = instance();
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

  it("settles a parent-and-child write right after another process completed the parent", async () => {
    const schema = freshSchema();
    const progress = instance(schema);
    const other = instance(schema);
    for (let trial = 0; trial < 10; trial++) {
      const parent = await progress.startRun({ owner: "ann", title: `parent ${trial}` });
      const child = await progress.startRun({ owner: "ann", title: "child", parentId: parent.id });
      const foreign = other.completeRun(parent.id, "ann", "succeeded");
      const onParent = progress.updateRunProgress(parent.id, "ann", { percent: 10 });
      await new Promise((resolve) => setImmediate(resolve));
      const onChild = progress.updateRunProgress(child.id, "ann", { percent: 50 });
      await within(Promise.all([foreign, onParent, onChild]), 5000, `trial ${trial}`);
      expect(await onChild).toMatchObject({ percent: 50 });
    }
  });

  it("publishes the events of writes made at once on a new instance (before it knew where the feed stood)", async () => {
    // On a fresh schema the follower's start-up read waits for the migrations, as the writes do; a commit
    // landing before that read was taken for history and its events were never published.
    for (let trial = 0; trial < 5; trial++) {
      const progress = instance();
      const seen: HeadwayEvent[] = [];
      progress.subscribe((event) => seen.push(event));
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) => progress.startRun({ owner: "ann", title: `early ${i}` })),
      );
      await progress.notify("ann", { title: "early notification" });
      await progress.flush();
      const started = seen.filter((event) => event.type === "run.progress.started").map((event) => event.run?.id);
      expect(started.sort(), `trial ${trial}`).toEqual(runs.map((run) => run.id).sort());
      expect(
        seen.filter((event) => event.type === "notification.created"),
        `trial ${trial}`,
      ).toHaveLength(1);
    }
  });
});
