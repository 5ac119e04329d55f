import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentRun, FirstDiagnostic, HeadwayEvent } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import type { RunStore } from "../../src/store/index.js";
import { BACKENDS } from "./backends.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

/** The stored diagnostics of a run, as a later read shows them (lastEventAgeMs is the wall clock's). */
const stored = (run: AgentRun | null) => {
  if (!run) return run;
  const { lastEventAgeMs: _, ...rest } = run.diagnostics;
  return rest;
};

/**
 * Per-run diagnostics through the public library, against every backend:
 * what sets each one (once), what does not, and what a client may report.
 */
for (const backend of BACKENDS) {
  describe(`Run diagnostics: ${backend.name}`, () => {
    let progress: Progress;
    let store: RunStore;
    let now = T0;
    const firsts: FirstDiagnostic[] = [];

    beforeEach(async () => {
      now = T0;
      firsts.length = 0;
      const opened = backend.open();
      store = opened.runs;
      progress = createProgress({ backend: opened, clock: () => now, sweepIntervalMs: 0 });
      progress.on("batch", ({ firstDiagnostics }) => firsts.push(...firstDiagnostics));
      await progress.ready;
    });

    afterEach(async () => {
      await progress.close();
    });

    it("sets each from the first write that qualifies, once, and keeps it in the database", async () => {
      const run = await progress.startRun({ owner: "ann", title: "answer", step: "queued", state: "submitted" });
      // What the start carried is the host's label at submit, not news from the work.
      expect(run.diagnostics).toEqual({
        submitToStatusMs: null,
        submitToFirstEventMs: null,
        submitToFirstTextMs: null,
        firstTextToPaintMs: null,
        lastEventAgeMs: 0,
      });
      now = T0 + 120;
      const beat = await progress.heartbeat(run.id, "ann");
      expect(beat?.diagnostics).toMatchObject({ submitToFirstEventMs: 120, submitToStatusMs: null, lastEventAgeMs: 0 });
      now = T0 + 300;
      // Metadata or a title alone shows no status.
      await progress.updateRunProgress(run.id, "ann", { metadata: { model: "m" }, title: "Answer" });
      now = T0 + 450;
      await progress.updateRunProgress(run.id, "ann", { state: "preparing" });
      now = T0 + 900;
      await progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "Writing the answer" });
      now = T0 + 1500;
      // Later writes of the same kinds change none of them.
      await progress.updateRunProgress(run.id, "ann", { state: "tool_running", percent: 40 });
      await progress.updateRunProgress(run.id, "ann", { state: "streaming" });
      await progress.heartbeat(run.id, "ann");
      now = T0 + 2100;
      // A person's cancel request is no sign of life: the run says how long it had been silent then.
      const asked = await progress.requestCancel(run.id, "ann");
      expect(asked?.diagnostics).toEqual({
        submitToStatusMs: 450,
        submitToFirstEventMs: 120,
        submitToFirstTextMs: 900,
        firstTextToPaintMs: null,
        lastEventAgeMs: 600,
      });

      // Stored, not worked out: read back from the database, the values are the same.
      const again = await progress.getRun(run.id, "ann");
      expect(stored(again)).toEqual({
        submitToStatusMs: 450,
        submitToFirstEventMs: 120,
        submitToFirstTextMs: 900,
        firstTextToPaintMs: null,
      });
      expect(again?.diagnostics.lastEventAgeMs).toBeGreaterThanOrEqual(0);
      const done = await progress.completeRun(run.id, "ann", "cancelled");
      // A finished run waits for nothing.
      expect(done?.diagnostics.lastEventAgeMs).toBeNull();
      expect((await progress.getRun(run.id, "ann"))?.diagnostics.lastEventAgeMs).toBeNull();

      // Each value reached the batch event exactly once: what the metrics observe.
      expect(firsts.filter((first) => first.runId === run.id)).toEqual([
        { runId: run.id, name: "submitToFirstEventMs", ms: 120 },
        { runId: run.id, name: "submitToStatusMs", ms: 450 },
        { runId: run.id, name: "submitToFirstTextMs", ms: 900 },
      ]);
    });

    it("counts a status update and a completion as a status; the watchdog's writes are not the work's", async () => {
      const posted = await progress.startRun({ owner: "ann", title: "posted" });
      const quick = await progress.startRun({ owner: "ann", title: "quick" });
      const silent = await progress.startRun({ owner: "ann", title: "silent" });
      now = T0 + 250;
      const update = await progress.postStatusUpdate(posted.id, "ann", {
        summary: "Found 3 pages.",
        source: "offline",
      });
      expect(update?.diagnostics).toMatchObject({ submitToStatusMs: 250, submitToFirstEventMs: 250 });
      const finished = await progress.completeRun(quick.id, "ann", "succeeded");
      expect(stored(finished)).toEqual({
        submitToStatusMs: 250,
        submitToFirstEventMs: 250,
        submitToFirstTextMs: null,
        firstTextToPaintMs: null,
      });

      now = T0 + 2000;
      await progress.heartbeat(posted.id, "ann");
      await progress.checkSilentRuns({ staleAfterMs: 1000, abandonAfterMs: 60_000 });
      const stale = await progress.getRun(silent.id, "ann");
      expect(stale?.attention).toBe("stale");
      expect(stale?.diagnostics).toMatchObject({ submitToFirstEventMs: null, submitToStatusMs: null });
      now = T0 + 61_000;
      await progress.checkSilentRuns({ staleAfterMs: 1000, abandonAfterMs: 60_000 });
      const abandoned = await progress.getRun(silent.id, "ann");
      expect(abandoned?.status).toBe("failed");
      // Nobody heard from it before the watchdog gave up: null says so, where a number would flatter it.
      expect(stored(abandoned)).toEqual({
        submitToStatusMs: null,
        submitToFirstEventMs: null,
        submitToFirstTextMs: null,
        firstTextToPaintMs: null,
      });
    });

    it("counts a child's writes as its parent's first sign of life and first status", async () => {
      const parent = await progress.startRun({ owner: "ann", title: "orchestrate" });
      now = T0 + 100;
      const child = await progress.startRun({ owner: "ann", title: "fetch", parentId: parent.id });
      expect((await progress.getRun(parent.id, "ann"))?.diagnostics.submitToFirstEventMs).toBeNull();
      now = T0 + 250;
      // A person asking the child to stop is no news from the work, for the child or the parent.
      await progress.requestCancel(child.id, "ann");
      expect((await progress.getRun(parent.id, "ann"))?.diagnostics.submitToFirstEventMs).toBeNull();
      expect((await progress.getRun(child.id, "ann"))?.diagnostics.submitToFirstEventMs).toBeNull();
      now = T0 + 400;
      // Metadata only: a sign of life for the parent (written at once, the first time), no status.
      await progress.updateRunProgress(child.id, "ann", { metadata: { attempt: 1 } });
      expect(stored(await progress.getRun(parent.id, "ann"))).toMatchObject({
        submitToFirstEventMs: 400,
        submitToStatusMs: null,
      });
      now = T0 + 700;
      await progress.updateRunProgress(child.id, "ann", { percent: 50 });
      const rolled = await progress.getRun(parent.id, "ann");
      expect(rolled?.percent).toBe(50);
      expect(stored(rolled)).toMatchObject({ submitToFirstEventMs: 400, submitToStatusMs: 700 });
      expect(stored(await progress.getRun(child.id, "ann"))).toMatchObject({
        submitToFirstEventMs: 300,
        submitToStatusMs: 600,
      });
    });

    it("keeps the first value a client reports, with no sign of life and no effect on finished runs", async () => {
      const run = await progress.startRun({ owner: "ann", title: "answer" });
      now = T0 + 800;
      const streaming = await progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "Hello" });
      const events: HeadwayEvent[] = [];
      progress.subscribe((event) => events.push(event));
      now = T0 + 5000;
      const reported = await progress.reportDiagnostics(run.id, "ann", {
        firstTextToPaintMs: 41.6,
        submitToFirstTextMs: 1200, // the run has its own (800): the first value wins
      });
      expect(stored(reported)).toEqual({
        submitToStatusMs: 800,
        submitToFirstEventMs: 800,
        submitToFirstTextMs: 800,
        firstTextToPaintMs: 42,
      });
      // A new version (so clients take the new copy), but no sign of life: updatedAt and heartbeatAt stay,
      // and the run says it has been silent 4.2 s.
      expect(reported).toMatchObject({
        version: (streaming?.version ?? 0) + 1,
        updatedAt: streaming?.updatedAt,
        heartbeatAt: streaming?.heartbeatAt,
      });
      expect(reported?.diagnostics.lastEventAgeMs).toBe(4200);
      await progress.flush();
      expect(events.map((event) => [event.type, event.run?.diagnostics.firstTextToPaintMs])).toEqual([
        ["run.progress.updated", 42],
      ]);

      // A second report changes nothing, writes nothing, and says what is stored.
      const before = { ...store.stats };
      const repeat = await progress.reportDiagnostics(run.id, "ann", { firstTextToPaintMs: 5 });
      expect(repeat?.version).toBe(reported?.version);
      expect(repeat?.diagnostics.firstTextToPaintMs).toBe(42);
      expect(store.stats.rowWrites).toBe(before.rowWrites);

      // Another owner's run is not there; a finished one is not changed.
      expect(await progress.reportDiagnostics(run.id, "bob", { firstTextToPaintMs: 10 })).toBeNull();
      const other = await progress.startRun({ owner: "ann", title: "other" });
      await progress.completeRun(other.id, "ann", "succeeded");
      const late = await progress.tryReportDiagnostics(other.id, "ann", { firstTextToPaintMs: 10 });
      expect(late).toMatchObject({ ok: false, reason: "terminal", run: { status: "succeeded" } });
      expect((await progress.getRun(other.id, "ann"))?.diagnostics.firstTextToPaintMs).toBeNull();

      // A client-reported first text counts when the run has none.
      const fresh = await progress.startRun({ owner: "ann", title: "fresh" });
      now += 3000;
      const told = await progress.reportDiagnostics(fresh.id, "ann", { submitToFirstTextMs: 2500 });
      expect(stored(told)).toMatchObject({ submitToFirstTextMs: 2500, submitToFirstEventMs: null });
      expect(firsts.filter((first) => first.name === "firstTextToPaintMs" || first.runId === fresh.id)).toEqual([
        { runId: run.id, name: "firstTextToPaintMs", ms: 42 },
        { runId: fresh.id, name: "submitToFirstTextMs", ms: 2500 },
      ]);
    });

    it("refuses a bad report with the field and the limit, and changes nothing", async () => {
      const run = await progress.startRun({ owner: "ann", title: "answer" });
      const report = (value: unknown) => progress.reportDiagnostics(run.id, "ann", value as never);
      const limit = "must be a finite number of milliseconds from 0 to 604800000 (7 days)";
      await expect(report({ firstTextToPaintMs: -1 })).rejects.toThrow(`firstTextToPaintMs: ${limit}`);
      await expect(report({ firstTextToPaintMs: Number.NaN })).rejects.toThrow(`firstTextToPaintMs: ${limit}`);
      await expect(report({ submitToFirstTextMs: Number.POSITIVE_INFINITY })).rejects.toThrow(
        `submitToFirstTextMs: ${limit}`,
      );
      await expect(report({ firstTextToPaintMs: "12" })).rejects.toThrow(`firstTextToPaintMs: ${limit}`);
      await expect(report({ firstTextToPaintMs: 8 * 24 * 3600 * 1000 })).rejects.toThrow(
        `firstTextToPaintMs: ${limit}`,
      );
      await expect(report({ paintMs: 12 })).rejects.toThrow("paintMs: is not a known field");
      await expect(report({})).rejects.toThrow(
        "diagnostics: must report firstTextToPaintMs or submitToFirstTextMs (or both)",
      );
      // Longer than the run has existed (plus a minute's slack for the client's own clock): not a measurement.
      now = T0 + 10_000;
      await expect(report({ firstTextToPaintMs: 3_600_000 })).rejects.toThrow(
        "firstTextToPaintMs: must be at most the run's age plus 60000 ms (70000 ms for this run); got 3600000",
      );
      const after = await progress.getRun(run.id, "ann");
      expect(after?.version).toBe(1);
      expect(stored(after)).toEqual({
        submitToStatusMs: null,
        submitToFirstEventMs: null,
        submitToFirstTextMs: null,
        firstTextToPaintMs: null,
      });
    });

    it("lists the last sign of life of running runs only, for the age histogram", async () => {
      const a = await progress.startRun({ owner: "ann", title: "a" });
      now = T0 + 1000;
      await progress.startRun({ owner: "bob", title: "b" });
      const c = await progress.startRun({ owner: "bob", title: "c" });
      await progress.completeRun(c.id, "bob", "succeeded");
      now = T0 + 2000;
      await progress.heartbeat(a.id, "ann");
      expect((await store.listActiveHeartbeats()).sort((x, y) => x - y)).toEqual([T0 + 1000, T0 + 2000]);
    });
  });
}
