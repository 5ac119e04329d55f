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

  it("are published in commit order before a later local commit, each id once, even when the follower has not looked yet", async () => {
    const path = tempDatabasePath();
    // Following is slowed right down: the other writer's commit is found only through the gap before our own.
    progress = createProgress({
      databaseUrl: path,
      followExternalWrites: true,
      followIntervalMs: 60_000,
      sweepIntervalMs: 0,
    });
    const other = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));
    try {
      const first = await progress.startRun({ owner: "ann", title: "local, before" });
      const elsewhere = await other.startRun({ owner: "ann", title: "written elsewhere" });
      await progress.updateRunProgress(first.id, "ann", { percent: 10 });
      await progress.flush();
      const seqs = events.map((event) => parseEventId(event.id)!.commitSeq);
      // Before the fix, the local update reused the first commit's sequence (two events with one id).
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(events.map((event) => [event.type, event.run?.id])).toEqual([
        ["run.progress.started", first.id],
        ["run.progress.started", elsewhere.id],
        ["run.progress.updated", first.id],
      ]);
      expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
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
