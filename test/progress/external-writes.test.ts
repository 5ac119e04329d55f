import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { type HeadwayEvent, parseEventId } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const run = promisify(execFile);
let progress: Progress | undefined;
afterEach(async () => {
  await progress?.close();
});

describe("writes by another process on the same SQLite file", () => {
  it("reach a following instance's subscribers as events", async () => {
    const path = tempDatabasePath();
    progress = createProgress({ databaseUrl: path, followExternalWrites: true, sweepIntervalMs: 0 });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event), { owner: "ann" });
    const { stdout } = await run(process.execPath, ["--import", "tsx", "test/helpers/writer-process.ts", path, "once"]);
    const id = stdout.trim();
    const deadline = Date.now() + 5000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events.map((event) => event.type)).toEqual(["run.progress.started", "run.progress.updated"]);
    expect(events[1]?.run).toMatchObject({
      id,
      percent: 40,
      step: "halfway, elsewhere",
      title: "from another process",
    });
    // The local cache saw the other writer too: a local write builds on its version.
    const updated = await progress.updateRunProgress(id, "ann", { percent: 60 });
    expect(updated).toMatchObject({ version: 3, step: "halfway, elsewhere", percent: 60 });
  });

  it("never give a local event an id past another process's commit the tail has not published yet", async () => {
    const path = tempDatabasePath();
    // The tail is slowed right down so the other writer's commit is certainly not yet published.
    progress = createProgress({
      databaseUrl: path,
      followExternalWrites: true,
      sweepIntervalMs: 0,
      storeOptions: { tailIntervalMs: 60_000 },
    });
    const other = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));
    try {
      const first = await progress.startRun({ owner: "ann", title: "local, before" });
      const firstSeq = parseEventId(events[0]!.id)!.commitSeq;
      const elsewhere = await other.startRun({ owner: "ann", title: "written elsewhere" });
      const local = await progress.updateRunProgress(first.id, "ann", { percent: 10 });
      const localSeq = parseEventId(events.at(-1)!.id)!.commitSeq;
      expect(local?.percent).toBe(10);
      expect(localSeq).toBe(firstSeq);
      // A client that saw the local event and resumes from its id still gets the other process's run.
      const feed = await progress.store.changesSince(localSeq, "ann");
      expect(feed?.runs.map((run) => run.id)).toContain(elsewhere.id);
    } finally {
      await other.close();
    }
  });

  it("are not heard by an instance that does not follow", async () => {
    const path = tempDatabasePath();
    progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));
    await run(process.execPath, ["--import", "tsx", "test/helpers/writer-process.ts", path, "once"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual([]);
  });
});
