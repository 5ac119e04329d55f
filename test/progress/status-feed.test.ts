/** Status updates travel on the change feed like any other change: in process, and read back from another writer. */
import { afterEach, describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const open: Progress[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((progress) => progress.close()));
});

function instance(path: string, follow = false): Progress {
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0, followExternalWrites: follow });
  open.push(progress);
  return progress;
}

describe("postStatusUpdate", () => {
  it("sets the step and percent and emits run.status.update right after the run's own event", async () => {
    const progress = instance(tempDatabasePath());
    const run = await progress.startRun({ owner: "ann", title: "Guide" });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));
    const components = [{ type: "progress", details: { percent: 40 } }];
    const updated = await progress.postStatusUpdate(run.id, "ann", {
      summary: "Found 12 endpoints; drafting the answer…",
      percent: 40,
      components,
      source: "model",
    });
    expect(updated).toMatchObject({ step: "Found 12 endpoints; drafting the answer…", percent: 40, version: 2 });
    expect(events.map((event) => [event.type, event.id])).toEqual([
      ["run.progress.updated", expect.stringMatching(/-0$/)],
      ["run.status.update", expect.stringMatching(/-1$/)],
    ]);
    expect(events[1]?.payload).toEqual({
      runId: run.id,
      summary: "Found 12 endpoints; drafting the answer…",
      source: "model",
      components,
    });
  });

  it("reaches a following instance in another connection, from the log", async () => {
    const path = tempDatabasePath();
    const follower = instance(path, true);
    const writer = instance(path);
    const events: HeadwayEvent[] = [];
    follower.subscribe((event) => events.push(event));
    const run = await writer.startRun({ owner: "ann", title: "Elsewhere" });
    await writer.postStatusUpdate(run.id, "ann", { summary: "Searching the docs for OAuth setup…", source: "offline" });
    const deadline = Date.now() + 5000;
    while (!events.some((event) => event.type === "run.status.update") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const status = events.find((event) => event.type === "run.status.update");
    expect(status?.payload).toEqual({
      runId: run.id,
      summary: "Searching the docs for OAuth setup…",
      source: "offline",
    });
    expect(status?.run?.step).toBe("Searching the docs for OAuth setup…");
  });

  it("refuses a summary past the step limit, naming the field, and changes nothing", async () => {
    const progress = instance(tempDatabasePath());
    const run = await progress.startRun({ owner: "ann", title: "Long" });
    await expect(
      progress.postStatusUpdate(run.id, "ann", { summary: "x".repeat(501), source: "offline" }),
    ).rejects.toThrow("summary: must be at most 500 characters");
    await expect(
      progress.postStatusUpdate(run.id, "ann", { summary: "ok", source: "robot" as "model" }),
    ).rejects.toThrow(/^source: must be one of model, offline/);
    expect(await progress.getRun(run.id, "ann")).toMatchObject({ version: 1, step: null });
  });
});
