import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { createProgress, Progress } from "../../src/progress/index.js";
import { createStatusUpdater, type StatusTarget } from "../../src/status/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
const owner = "alice@example.com";

beforeEach(() => {
  progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
});
afterEach(async () => {
  await progress.close();
});

/** Whether Progress has its own postStatusUpdate yet (the lead adds it); until then the adapter below stands in. */
const hasPostStatusUpdate = () =>
  typeof (Progress.prototype as unknown as Partial<StatusTarget>).postStatusUpdate === "function";

/** Progress as a status target: its own postStatusUpdate when it has one, else the step written by updateRunProgress. */
function targetOf(p: Progress): StatusTarget {
  const own = (p as unknown as Partial<StatusTarget>).postStatusUpdate;
  if (typeof own === "function") return p as unknown as StatusTarget;
  return {
    postStatusUpdate: (runId, runOwner, update) =>
      p.updateRunProgress(runId, runOwner, {
        step: update.summary,
        ...(update.percent !== undefined ? { percent: update.percent } : {}),
      }),
  };
}

describe("status updates on a real run", () => {
  it("sets the run's step (and percent) in the store", async () => {
    const run = await progress.startRun({ owner, title: "Write the OAuth guide" });
    const updater = createStatusUpdater({
      target: targetOf(progress),
      runId: run.id,
      owner,
      numEvents: 100,
      summarizer: {
        summarize: async () => ({
          summary: "Found 12 endpoints; drafting the answer…",
          components: [{ type: "progress", details: { percent: 40 } }],
          source: "model",
        }),
      },
      statusComponents: [{ type: "progress", description: "how far along" }],
    });
    updater.track({
      type: "tool_execution",
      tool: "list_endpoints",
      status: "succeeded",
      count: 12,
      noun: "endpoints",
    });
    const update = await updater.flush();
    expect(update).toMatchObject({ summary: "Found 12 endpoints; drafting the answer…", percent: 40, source: "model" });
    expect(await progress.getRun(run.id, owner)).toMatchObject({
      step: "Found 12 endpoints; drafting the answer…",
      percent: 40,
    });
    await updater.close();
  });

  it("stops posting once the run is finished", async () => {
    const run = await progress.startRun({ owner, title: "short" });
    const seen: string[] = [];
    const updater = createStatusUpdater({
      target: targetOf(progress),
      runId: run.id,
      owner,
      numEvents: 100,
      onEvent: (e) => seen.push(e.type),
    });
    await progress.completeRun(run.id, owner, "succeeded", { step: "Done" });
    updater.track({ type: "agent_generate" });
    expect(await updater.flush()).toBeNull();
    expect(seen).toContain("status:post_failed");
    expect(await progress.getRun(run.id, owner)).toMatchObject({ status: "succeeded", step: "Done" });
    await updater.close();
  });

  it.skipIf(!hasPostStatusUpdate())("postStatusUpdate emits run.status.update on the change feed", async () => {
    const run = await progress.startRun({ owner, title: "Write the OAuth guide" });
    const events: HeadwayEvent[] = [];
    const stop = progress.subscribe((e) => events.push(e), { owner });
    const updater = createStatusUpdater({ target: targetOf(progress), runId: run.id, owner, numEvents: 100 });
    updater.track({ type: "tool_execution", tool: "search_docs", input: { query: "OAuth setup" } });
    const update = await updater.flush();
    await progress.flush();
    await new Promise((r) => setTimeout(r, 50));
    stop();
    const status = events.find((e) => e.type === "run.status.update");
    expect(status?.payload).toMatchObject({ runId: run.id, summary: update?.summary });
    expect(status?.run?.step).toBe(update?.summary);
    await updater.close();
  });

  it("marks the run streaming when answer text starts, once, so its first-text time is recorded", async () => {
    const run = await progress.startRun({ owner, title: "Answer the question" });
    const updater = createStatusUpdater({ target: progress, runId: run.id, owner, numEvents: 100 });
    updater.textStreamStarted();
    await progress.flush();
    const streaming = await progress.getRun(run.id, owner);
    expect(streaming).toMatchObject({ state: "streaming" });
    expect(streaming?.diagnostics.submitToFirstTextMs).toEqual(expect.any(Number));
    updater.textStreamEnded();
    await progress.updateRunProgress(run.id, owner, { state: "tool_running" });
    updater.textStreamStarted(); // a second stretch of text is no new first text, and no second write
    await progress.flush();
    expect(await progress.getRun(run.id, owner)).toMatchObject({ state: "tool_running", version: 3 });
    await updater.close();
  });
});
