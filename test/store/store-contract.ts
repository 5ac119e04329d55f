import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import type { Backend, RunStore } from "../../src/store/index.js";

/**
 * A run as a later read shows it: the same, but for how long it has been
 * silent, which a read works out on the wall clock (these tests move a clock of their own).
 */
export function asRead(run: AgentRun | null): unknown {
  if (!run) return run;
  const lastEventAgeMs = run.status === "running" ? expect.any(Number) : null;
  return { ...run, diagnostics: { ...run.diagnostics, lastEventAgeMs } };
}

export interface ContractTarget {
  /** A fresh, empty backend. */
  open: () => Backend;
}

/**
 * The behaviour every RunStore must show, driven through the public library
 * so the shared batch rules and the adapter are tested together. Each adapter
 * calls this once with a factory that returns a fresh, empty store.
 */
export function runStoreContract(dialect: string, target: ContractTarget): void {
  describe(`RunStore contract: ${dialect}`, () => {
    let progress: Progress;
    let store: RunStore;
    let now = Date.parse("2026-01-01T00:00:00Z");
    const clock = () => now;

    beforeEach(async () => {
      now = Date.parse("2026-01-01T00:00:00Z");
      const backend = target.open();
      store = backend.runs;
      progress = createProgress({ backend, clock, sweepIntervalMs: 0 });
      // A backend that opens asynchronously (PostgreSQL) publishes from its first commit on once the follower has started.
      await progress.ready;
    });

    afterEach(async () => {
      await progress.close();
    });

    it("starts a run with the full documented shape", async () => {
      const run = await progress.startRun({ owner: "ann", title: "Triage 128 unread emails", step: "fetching" });
      expect(run).toEqual({
        id: expect.any(String),
        owner: "ann",
        title: "Triage 128 unread emails",
        step: "fetching",
        percent: null,
        status: "running",
        state: null,
        metadata: {},
        parentId: null,
        cancelRequested: false,
        etaMs: null,
        attention: null,
        createdAt: "2026-01-01T00:00:00.000Z",
        startedAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
        completedAt: null,
        heartbeatAt: "2026-01-01T00:00:00.000Z",
        version: 1,
        diagnostics: {
          submitToStatusMs: null,
          submitToFirstEventMs: null,
          submitToFirstTextMs: null,
          firstTextToPaintMs: null,
          lastEventAgeMs: 0,
        },
      });
      expect(await progress.getRun(run.id, "ann")).toEqual(asRead(run));
    });

    it("generates ids sortable by creation", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await progress.startRun({ owner: "ann", title: `r${i}` })).id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(20);
    });

    it("updates percent and step, bumps version and derives an ETA", async () => {
      const run = await progress.startRun({ owner: "ann", title: "classify" });
      now += 1000;
      await progress.updateRunProgress(run.id, "ann", { percent: 10, step: "classifying 20/200" });
      now += 1000;
      const updated = await progress.updateRunProgress(run.id, "ann", { percent: 20.4, step: "classifying 40/200" });
      expect(updated).toMatchObject({ percent: 20, step: "classifying 40/200", version: 3, etaMs: 8000 });
      expect(updated?.updatedAt).toBe("2026-01-01T00:00:02.000Z");
      expect(await progress.getRun(run.id, "ann")).toEqual(asRead(updated));
    });

    it("keeps one owner's runs invisible and untouchable to another", async () => {
      const run = await progress.startRun({ owner: "ann", title: "private" });
      expect(await progress.getRun(run.id, "bob")).toBeNull();
      expect(await progress.updateRunProgress(run.id, "bob", { percent: 50 })).toBeNull();
      expect(await progress.completeRun(run.id, "bob", "failed")).toBeNull();
      expect(await progress.requestCancel(run.id, "bob")).toBeNull();
      expect(await progress.heartbeat(run.id, "bob")).toBeNull();
      expect(await progress.deleteRun(run.id, "bob")).toBe(false);
      expect(await progress.getRunHistory(run.id, "bob")).toBeNull();
      expect(await progress.listRuns("bob")).toEqual([]);
      expect(await progress.getRun(run.id, "ann")).toEqual(asRead(run));
    });

    it("completes: succeeded sets 100% and completedAt, is idempotent, and then never changes", async () => {
      const run = await progress.startRun({ owner: "ann", title: "t", percent: 40 });
      now += 500;
      const done = await progress.completeRun(run.id, "ann", "succeeded", { step: "all done" });
      expect(done).toMatchObject({
        status: "succeeded",
        percent: 100,
        step: "all done",
        state: "completed",
        completedAt: "2026-01-01T00:00:00.500Z",
        version: 2,
      });
      expect(await progress.completeRun(run.id, "ann", "succeeded")).toEqual(done);
      expect(await progress.completeRun(run.id, "ann", "failed")).toBeNull();
      expect(await progress.updateRunProgress(run.id, "ann", { percent: 10 })).toBeNull();
      expect(await progress.requestCancel(run.id, "ann")).toBeNull();
      const outcome = await progress.tryUpdate(run.id, "ann", { step: "late" });
      expect(outcome).toMatchObject({ ok: false, reason: "terminal", run: { status: "succeeded" } });
      expect(await progress.getRun(run.id, "ann")).toEqual(done);
    });

    it("failed and cancelled keep the last percent", async () => {
      const a = await progress.startRun({ owner: "ann", title: "a", percent: 30 });
      const b = await progress.startRun({ owner: "ann", title: "b", percent: 60 });
      expect(await progress.completeRun(a.id, "ann", "failed", { step: "disk full" })).toMatchObject({
        status: "failed",
        percent: 30,
        step: "disk full",
        state: "failed",
      });
      expect(await progress.completeRun(b.id, "ann", "cancelled")).toMatchObject({ status: "cancelled", percent: 60 });
    });

    it("lists newest first, with activeOnly, limit and cursor", async () => {
      const runs = [];
      for (let i = 0; i < 7; i++) runs.push(await progress.startRun({ owner: "ann", title: `r${i}` }));
      await progress.startRun({ owner: "bob", title: "other" });
      await progress.completeRun(runs[1]!.id, "ann", "succeeded");
      await progress.completeRun(runs[4]!.id, "ann", "failed");
      const all = await progress.listRuns("ann");
      expect(all.map((r) => r.title)).toEqual(["r6", "r5", "r4", "r3", "r2", "r1", "r0"]);
      const active = await progress.listRuns("ann", { activeOnly: true });
      expect(active.map((r) => r.title)).toEqual(["r6", "r5", "r3", "r2", "r0"]);
      const page1 = await progress.listRuns("ann", { limit: 3 });
      const page2 = await progress.listRuns("ann", { limit: 3, cursor: page1.at(-1)!.id });
      const page3 = await progress.listRuns("ann", { limit: 3, cursor: page2.at(-1)!.id });
      expect([...page1, ...page2, ...page3].map((r) => r.title)).toEqual(all.map((r) => r.title));
      await expect(progress.listRuns("ann", { limit: 0 })).rejects.toThrow("limit: must be at least 1");
      await expect(progress.listRuns("ann", { limit: 501 })).rejects.toThrow("limit: must be at most 500");
    });

    it("counts running runs across owners", async () => {
      const a = await progress.startRun({ owner: "ann", title: "a" });
      await progress.startRun({ owner: "bob", title: "b" });
      await progress.startRun({ owner: "bob", title: "c" });
      expect(await store.countActive()).toBe(3);
      await progress.completeRun(a.id, "ann", "succeeded");
      expect(await store.countActive()).toBe(2);
    });

    it("lists running runs of every owner by id, a page at a time", async () => {
      const started = [];
      for (const owner of ["ann", "bob", "ann", "cy", "bob"]) {
        started.push(await progress.startRun({ owner, title: `${owner}'s` }));
      }
      await progress.completeRun(started[1]!.id, "bob", "succeeded");
      await progress.completeRun(started[3]!.id, "cy", "failed");
      const first = await store.listRunning("", 2);
      const second = await store.listRunning(first.at(-1)!.id, 2);
      expect([...first, ...second].map((run) => run.id)).toEqual([started[0]!.id, started[2]!.id, started[4]!.id]);
      expect(second).toHaveLength(1);
      expect(asRead(second[0] ?? null)).toEqual(asRead(await progress.getRun(started[4]!.id, "bob")));
      expect(await store.listRunning(started[4]!.id, 10)).toEqual([]);
    });

    it("says whether an owner has a notification with a dedupe key", async () => {
      const { notifications } = progress.backend;
      expect(await notifications.hasDedupeKey("ann", "automation:x:1")).toBe(false);
      await progress.notify("ann", { title: "once", dedupeKey: "automation:x:1" });
      expect(await notifications.hasDedupeKey("ann", "automation:x:1")).toBe(true);
      expect(await notifications.hasDedupeKey("bob", "automation:x:1")).toBe(false);
      expect(await notifications.hasDedupeKey("ann", "automation:x:2")).toBe(false);
    });

    it("keeps the episode a repeat automation is in: later checks win, one process begins each episode", async () => {
      const state = progress.backend.automationState;
      const at = (version: number, checkedAt: number) => ({ version, checkedAt });
      expect(await state.get("slow", "r1")).toBeNull();
      await state.end("slow", "r1", at(1, 10), now); // nothing stored: nothing to end
      expect(await state.get("slow", "r1")).toBeNull();
      expect(await state.begin("slow", "r1", 2, at(3, 30), now)).toBe(false); // episode 1 never began
      expect(await state.begin("slow", "r1", 1, at(3, 30), now)).toBe(true);
      expect(await state.begin("slow", "r1", 1, at(4, 40), now)).toBe(false); // someone was first
      expect(await state.get("slow", "r1")).toEqual({ episode: 1, matching: true, version: 3, checkedAt: 30 });
      await state.end("slow", "r1", at(2, 99), now); // an older version: ignored
      await state.end("slow", "r1", at(3, 30), now); // the same check: ignored
      expect((await state.get("slow", "r1"))?.matching).toBe(true);
      await state.end("slow", "r1", at(3, 31), now); // same version, looked at later
      expect(await state.get("slow", "r1")).toEqual({ episode: 1, matching: false, version: 3, checkedAt: 31 });
      expect(await state.begin("slow", "r1", 2, at(3, 20), now)).toBe(false); // older than what is stored
      expect(await state.begin("slow", "r1", 3, at(5, 50), now)).toBe(false); // skips an episode
      expect(await state.begin("slow", "r1", 2, at(5, 50), now)).toBe(true);
      expect(await state.get("slow", "r1")).toEqual({ episode: 2, matching: true, version: 5, checkedAt: 50 });
      expect(await state.get("other", "r1")).toBeNull(); // per automation
    });

    it("sweeps the episodes of runs no longer running, past retention", async () => {
      const state = progress.backend.automationState;
      const running = await progress.startRun({ owner: "ann", title: "still running" });
      const done = await progress.startRun({ owner: "ann", title: "done" });
      await progress.completeRun(done.id, "ann", "succeeded");
      for (const id of [running.id, done.id, "gone"])
        await state.begin("slow", id, 1, { version: 1, checkedAt: now }, now);
      now += 31 * 24 * 60 * 60 * 1000;
      await progress.sweep();
      expect(await state.get("slow", running.id)).not.toBeNull();
      expect(await state.get("slow", done.id)).toBeNull();
      expect(await state.get("slow", "gone")).toBeNull();
    });

    it("deletes a run and its history", async () => {
      const run = await progress.startRun({ owner: "ann", title: "gone soon" });
      expect(await progress.deleteRun(run.id, "ann")).toBe(true);
      expect(await progress.getRun(run.id, "ann")).toBeNull();
      expect(await progress.getRunHistory(run.id, "ann")).toBeNull();
      expect(await progress.deleteRun(run.id, "ann")).toBe(false);
      expect(await progress.updateRunProgress(run.id, "ann", { percent: 5 })).toBeNull();
    });

    it("rejects bad input with the field and the limit, and keeps what was stored", async () => {
      const run = await progress.startRun({ owner: "ann", title: "keep me", percent: 10, metadata: { a: 1 } });
      await expect(progress.updateRunProgress(run.id, "ann", { percent: Number.NaN })).rejects.toThrow(
        "percent: must be a finite number",
      );
      await expect(progress.updateRunProgress(run.id, "ann", { step: "s".repeat(501) })).rejects.toThrow(
        "step: must be at most 500 characters",
      );
      // The merged metadata is what counts against the limit.
      await progress.updateRunProgress(run.id, "ann", { metadata: { b: "x".repeat(9000) } });
      await expect(progress.updateRunProgress(run.id, "ann", { metadata: { c: "y".repeat(9000) } })).rejects.toThrow(
        /metadata: must be at most 16384 bytes/,
      );
      await expect(progress.completeRun(run.id, "ann", "done" as never)).rejects.toThrow(
        "status: must be one of succeeded, failed, cancelled",
      );
      await expect(progress.startRun({ owner: "ann", title: "" })).rejects.toThrow("title: must not be empty");
      const stored = await progress.getRun(run.id, "ann");
      expect(stored).toMatchObject({ percent: 10, version: 2, metadata: { a: 1, b: "x".repeat(9000) } });
      expect(await progress.listRuns("ann")).toHaveLength(1);
    });

    it("requests cancellation, which the agent sees on its next write", async () => {
      const run = await progress.startRun({ owner: "ann", title: "long" });
      expect(await progress.requestCancel(run.id, "ann")).toMatchObject({ cancelRequested: true, version: 2 });
      expect(await progress.updateRunProgress(run.id, "ann", { percent: 50 })).toMatchObject({
        cancelRequested: true,
        percent: 50,
      });
    });

    it("heartbeats refresh heartbeatAt only", async () => {
      const run = await progress.startRun({ owner: "ann", title: "quiet" });
      now += 30_000;
      const beat = await progress.heartbeat(run.id, "ann");
      expect(beat).toMatchObject({ heartbeatAt: "2026-01-01T00:00:30.000Z", updatedAt: run.updatedAt, version: 2 });
    });

    it("group-commits concurrent writes and collapses updates to one run into one row write", async () => {
      const runs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => progress.startRun({ owner: `o${i % 3}`, title: `r${i}` })),
      );
      const before = { ...store.stats };
      await Promise.all(runs.map((run) => progress.updateRunProgress(run.id, run.owner, { percent: 50 })));
      // One transaction; a pipelined store splits a burst in two so the halves take turns (and a busy
      // machine can let a third form while the first commits). 200 writes never take 200 transactions.
      const batches = store.stats.batches - before.batches;
      expect(batches).toBeGreaterThanOrEqual(store.pipelineDepth);
      expect(batches).toBeLessThanOrEqual(store.pipelineDepth + 1);
      expect(store.stats.rowWrites - before.rowWrites).toBe(200);

      const events: HeadwayEvent[] = [];
      progress.subscribe((event) => events.push(event));
      const one = runs[0]!;
      const writes = Promise.all(
        [1, 2, 3, 4, 5].map((i) => progress.updateRunProgress(one.id, one.owner, { percent: i * 10 })),
      );
      const mid = { ...store.stats };
      const results = await writes;
      // Plain progress to one run, waiting together: folded into one write (one version, one event).
      expect(results.map((run) => [run?.version, run?.percent])).toEqual(Array(5).fill([3, 50]));
      expect(store.stats.rowWrites - mid.rowWrites).toBe(1);
      expect(events.map((event) => event.run?.version)).toEqual([3]);
      // Metadata merges are never folded: each is its own version, and still one row write.
      const merges = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => progress.updateRunProgress(one.id, one.owner, { metadata: { [`k${i}`]: i } })),
      );
      expect(merges.map((run) => run?.version)).toEqual([4, 5, 6, 7, 8]);
      expect(store.stats.rowWrites - mid.rowWrites).toBe(2);
      expect(events.map((event) => event.run?.version)).toEqual([3, 4, 5, 6, 7, 8]);
      expect((await progress.getRun(one.id, one.owner))?.metadata).toEqual({ k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 });
    });

    it("publishes typed envelopes after commit, filtered by owner", async () => {
      const annEvents: HeadwayEvent[] = [];
      progress.subscribe((event) => annEvents.push(event), { owner: "ann" });
      const seenInStore: Array<number | undefined> = [];
      const reads: Array<Promise<unknown>> = [];
      progress.subscribe((event) => {
        // Published after commit: the store already holds this version.
        if (event.run)
          reads.push(store.getRun(event.run.id, event.owner).then((run) => seenInStore.push(run?.version)));
      });
      // A server backend reads on another connection: let each read land before the next write commits.
      const settled = () => Promise.all(reads);
      const run = await progress.startRun({ owner: "ann", title: "watched", step: "start" });
      await settled();
      await progress.startRun({ owner: "bob", title: "not for ann" });
      await settled();
      await progress.updateRunProgress(run.id, "ann", { percent: 30, step: "working" });
      await settled();
      await progress.completeRun(run.id, "ann", "succeeded");
      await progress.deleteRun(run.id, "ann");
      expect(annEvents.map((event) => event.type)).toEqual([
        "run.progress.started",
        "run.progress.updated",
        "run.progress.updated",
        "run.deleted",
      ]);
      expect(annEvents[0]).toMatchObject({
        type: "run.progress.started",
        owner: "ann",
        payload: { runId: run.id, title: "watched", step: "start" },
        run: { id: run.id, version: 1 },
      });
      expect(annEvents[1]).toMatchObject({
        payload: { runId: run.id, percent: 30, step: "working", status: "running" },
      });
      expect(annEvents[2]).toMatchObject({ payload: { percent: 100, status: "succeeded" } });
      expect(annEvents[3]).toMatchObject({ payload: { runId: run.id } });
      expect(annEvents[3]?.run).toBeUndefined();
      expect(new Set(annEvents.map((event) => event.id)).size).toBe(4);
      expect(seenInStore.slice(0, 3)).toEqual([1, 1, 2]);
    });

    it("rolls children up into a parent that does not set its own percent", async () => {
      const parent = await progress.startRun({ owner: "ann", title: "orchestrate" });
      const a = await progress.startRun({ owner: "ann", title: "fetch", parentId: parent.id });
      const b = await progress.startRun({
        owner: "ann",
        title: "summarize",
        parentId: parent.id,
        metadata: { weight: 3 },
      });
      await progress.updateRunProgress(a.id, "ann", { percent: 100 });
      expect((await progress.getRun(parent.id, "ann"))?.percent).toBe(25);
      await progress.updateRunProgress(b.id, "ann", { percent: 50 });
      expect((await progress.getRun(parent.id, "ann"))?.percent).toBe(63); // (100 + 150) / 4 = 62.5
      await progress.completeRun(b.id, "ann", "failed", { step: "model refused" });
      const failedParent = await progress.getRun(parent.id, "ann");
      // A failed child is not done work: the parent stays where it was (it read 100% before the fix).
      expect(failedParent).toMatchObject({ percent: 63, step: 'Sub-task "summarize" failed: model refused' });
      const children = await progress.listRuns("ann", { parentId: parent.id });
      expect(children.map((child) => child.title)).toEqual(["summarize", "fetch"]);
      expect(await progress.listRuns("bob", { parentId: parent.id })).toEqual([]);
    });

    it("leaves a parent's own percent alone", async () => {
      const parent = await progress.startRun({ owner: "ann", title: "p", percent: 5 });
      const child = await progress.startRun({ owner: "ann", title: "c", parentId: parent.id });
      await progress.updateRunProgress(child.id, "ann", { percent: 90 });
      expect((await progress.getRun(parent.id, "ann"))?.percent).toBe(5);
    });

    it("refuses a parent that is missing or another owner's", async () => {
      const bobs = await progress.startRun({ owner: "bob", title: "bob's" });
      await expect(progress.startRun({ owner: "ann", title: "c", parentId: bobs.id })).rejects.toThrow(
        /parentId: no run/,
      );
      expect(await progress.listRuns("ann")).toEqual([]);
    });

    it("keeps a bounded, sampled history for timelines", async () => {
      const run = await progress.startRun({ owner: "ann", title: "h" });
      for (let i = 1; i <= 10; i++) {
        now += 400;
        await progress.updateRunProgress(run.id, "ann", { percent: i * 10, step: `step ${i}` });
      }
      await progress.completeRun(run.id, "ann", "succeeded");
      const history = (await progress.getRunHistory(run.id, "ann"))!;
      expect(history[0]).toMatchObject({ type: "started", version: 1 });
      expect(history.at(-1)).toMatchObject({ type: "completed", status: "succeeded", percent: 100 });
      // One progress point per second at most: 4 s of updates give 3-4 points, not 10.
      const points = history.filter((point) => point.type === "progress");
      expect(points.length).toBeGreaterThanOrEqual(3);
      expect(points.length).toBeLessThanOrEqual(4);
      expect(history.map((point) => point.version)).toEqual(
        [...history.map((point) => point.version)].sort((a, b) => a - b),
      );
    });

    it("reports what changed after a commit sequence, per owner", async () => {
      const a = await progress.startRun({ owner: "ann", title: "a" });
      const b = await progress.startRun({ owner: "ann", title: "b" });
      await progress.startRun({ owner: "bob", title: "c" });
      const seq = await store.currentCommitSeq();
      await progress.updateRunProgress(a.id, "ann", { percent: 70 });
      await progress.deleteRun(b.id, "ann");
      const feed = await store.changesSince(seq, "ann");
      expect(feed?.runs.map((run) => [run.id, run.percent])).toEqual([[a.id, 70]]);
      expect(feed?.deleted).toEqual([{ id: b.id, owner: "ann" }]);
      expect(feed?.commitSeq).toBe(await store.currentCommitSeq());
      expect((await store.changesSince(seq, "bob"))?.runs).toEqual([]);
    });

    it("sweeps completed runs past retention and keeps the rest", async () => {
      const old = await progress.startRun({ owner: "ann", title: "old" });
      await progress.completeRun(old.id, "ann", "succeeded");
      const running = await progress.startRun({ owner: "ann", title: "still running" });
      now += 31 * 24 * 60 * 60 * 1000;
      const recent = await progress.startRun({ owner: "ann", title: "recent" });
      await progress.completeRun(recent.id, "ann", "failed");
      expect(await progress.sweep()).toBe(1);
      expect(await progress.getRun(old.id, "ann")).toBeNull();
      expect(await progress.getRun(running.id, "ann")).not.toBeNull();
      expect(await progress.getRun(recent.id, "ann")).not.toBeNull();
    });
  });
}
