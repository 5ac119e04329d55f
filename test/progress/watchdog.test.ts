/** The watchdog: silent runs turn stale, then fail as abandoned, with nobody watching; a child's activity keeps its parent alive. */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const open: Progress[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((progress) => progress.close()));
});

function instance(options: Parameters<typeof createProgress>[0]): Progress {
  const progress = createProgress({ sweepIntervalMs: 0, ...options });
  open.push(progress);
  return progress;
}

describe("the watchdog, on a clock", () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const clock = () => now;
  const thresholds = { staleAfterMs: 120_000, abandonAfterMs: 1_800_000 };

  it("marks a silent run stale (one event), clears it on the next sign of life, and fails it as abandoned later", async () => {
    const progress = instance({ databaseUrl: tempDatabasePath(), clock });
    const run = await progress.startRun({ owner: "ann", title: "Quiet" });
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event));

    now += 60_000;
    await progress.checkSilentRuns(thresholds);
    expect((await progress.getRun(run.id, "ann"))?.attention).toBeNull();

    now += 61_000;
    await progress.checkSilentRuns(thresholds);
    await progress.checkSilentRuns(thresholds); // a second look changes nothing more
    await progress.flush();
    expect(events.map((event) => event.run?.attention)).toEqual(["stale"]);
    expect(await progress.getRun(run.id, "ann")).toMatchObject({ status: "running", attention: "stale", version: 2 });

    await progress.heartbeat(run.id, "ann");
    expect((await progress.getRun(run.id, "ann"))?.attention).toBeNull();

    now += 1_800_000;
    await progress.checkSilentRuns(thresholds);
    const abandoned = await progress.getRun(run.id, "ann");
    expect(abandoned).toMatchObject({
      status: "failed",
      attention: "failed",
      step: "Abandoned after 30 minutes without progress",
    });
    expect(abandoned?.completedAt).not.toBeNull();
  });

  it("keeps a parent alive while a child works, and honours a run's own thresholds", async () => {
    const progress = instance({ databaseUrl: tempDatabasePath(), clock });
    const parent = await progress.startRun({ owner: "ann", title: "Orchestrator" });
    const child = await progress.startRun({ owner: "ann", title: "Sub-agent", parentId: parent.id });
    const eager = await progress.startRun({ owner: "ann", title: "Eager", metadata: { staleAfterMs: 20_000 } });
    for (let i = 0; i < 10; i++) {
      now += 30_000;
      await progress.updateRunProgress(child.id, "ann", { percent: i * 10 });
      await progress.checkSilentRuns(thresholds);
    }
    expect((await progress.getRun(parent.id, "ann"))?.attention).toBeNull();
    expect((await progress.getRun(child.id, "ann"))?.attention).toBeNull();
    expect((await progress.getRun(eager.id, "ann"))?.attention).toBe("stale");
  });

  it("acts once per run when two instances on one database look at the same time", async () => {
    const path = tempDatabasePath();
    const a = instance({ databaseUrl: path, clock });
    const b = instance({ databaseUrl: path, clock });
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => a.startRun({ owner: "ann", title: `r${i}` })));
    now += 2_000_000;
    await Promise.all([a.checkSilentRuns(thresholds), b.checkSilentRuns(thresholds)]);
    for (const run of runs) {
      // Started (1), then completed as abandoned (2): one action, not two.
      expect(await a.getRun(run.id, "ann")).toMatchObject({ status: "failed", version: 2 });
    }
  });
});

describe("the watchdog of a server", () => {
  it("turns a killed writer's run stale and then failed as abandoned, on its own", async () => {
    const path = tempDatabasePath();
    const server = instance({
      databaseUrl: path,
      followExternalWrites: true,
      watchdog: { staleAfterMs: 300, abandonAfterMs: 1200, intervalMs: 50 },
    });
    const events: HeadwayEvent[] = [];
    server.subscribe((event) => events.push(event));
    // A real writer that starts a run, reports 40%, and is then killed: it never says another word.
    const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/writer-process.ts", path, "once"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const id = await new Promise<string>((resolve) =>
      child.stdout.once("data", (data) => resolve(String(data).trim())),
    );
    child.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !events.some((event) => event.run?.id === id && event.run.status === "failed")) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const seen = events
      .filter((event) => event.run?.id === id)
      .map((event) => [event.run?.attention, event.run?.status]);
    expect(seen).toContainEqual(["stale", "running"]);
    expect(seen.at(-1)).toEqual(["failed", "failed"]);
    const stored = await server.getRun(id, "ann");
    expect(stored?.step).toMatch(/^Abandoned after 1 minute without progress$/);
  });
});
