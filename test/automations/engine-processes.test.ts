/**
 * Once per run across processes: two child processes running the automations
 * on one SQLite file with real time (the seed's file with a 2-second
 * threshold), and two instances on one database of every backend (PostgreSQL
 * included) checking at the same moments with a fake clock. Runs left running
 * past the threshold get exactly one notification each; a repeat rule gets one
 * per episode.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type AutomationEngine, runAutomations } from "../../src/automations/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { BACKENDS } from "../store/backends.js";
import {
  automation,
  automationsDir,
  eventually,
  fakeClock,
  MINUTE,
  notificationsOf,
  onCleanup,
  SECOND,
  SLOW_RUNS,
} from "./helpers.js";

const SLOW_2S = SLOW_RUNS.replace("5 minutes", "2 seconds");
const ASKS = automation("state is action_required", "repeat: true", "{{title}} needs you: {{step}}");

function child(db: string, dir: string): { process: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, ["--import", "tsx", "test/automations/automation-process.ts", db, dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  proc.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  onCleanup(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  return { process: proc, output: () => output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("once per run across processes", () => {
  it("two processes on one SQLite file: one notification per run past the threshold, one per episode", async () => {
    const db = tempDatabasePath();
    const dir = automationsDir({ "slow-runs.md": SLOW_2S, "asks.md": ASKS });
    const progress = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    await progress.ready;
    const children = [child(db, dir), child(db, dir)];
    await eventually(
      () => children.every((c) => c.output().includes("ready") || c.process.exitCode !== null),
      20_000,
      "both processes ready",
    );
    expect(children.map((c) => c.process.exitCode)).toEqual([null, null]);

    const slow = await Promise.all(
      ["ann", "bob", "ann"].map((owner, i) => progress.startRun({ owner, title: `slow ${i}` })),
    );
    const quick = await progress.startRun({ owner: "ann", title: "quick" });
    const asking = await progress.startRun({ owner: "cy", title: "Deploy" });
    const started = Date.now();
    // 5 s of events from this process while both processes' timers tick every 100 ms.
    for (let tick = 0; Date.now() - started < 5000 && tick < 1000; tick++) {
      for (const run of slow) await progress.updateRunProgress(run.id, run.owner, { percent: tick % 100 });
      if (tick === 3) await progress.completeRun(quick.id, "ann", "succeeded"); // ends before its threshold
      // Three times asking for a person, with answers in between: three episodes.
      const phase = Math.floor((Date.now() - started) / 700); // long enough for a loaded machine to see each
      const state = phase % 2 === 1 && phase < 7 ? "action_required" : "streaming";
      await progress.updateRunProgress(asking.id, "cy", { state, step: `${state} ${phase}` });
      await sleep(50);
    }
    const expected = (owner: string) => (owner === "ann" ? 2 : 1);
    await eventually(
      async () =>
        (await notificationsOf(progress, "ann")).length >= expected("ann") &&
        (await notificationsOf(progress, "bob")).length >= 1 &&
        (await notificationsOf(progress, "cy")).length >= 4,
      10_000,
      "the notifications",
    );
    await sleep(500); // both timers pass several more times
    for (const c of children) c.process.kill("SIGTERM");
    const codes = await Promise.all(
      children.map(
        (c) =>
          new Promise<number | null>((resolve) =>
            c.process.exitCode !== null ? resolve(c.process.exitCode) : c.process.once("exit", resolve),
          ),
      ),
    );
    expect(codes).toEqual([0, 0]);

    const ann = await notificationsOf(progress, "ann");
    expect(ann.map((n) => n.runId).sort()).toEqual([slow[0]!.id, slow[2]!.id].sort());
    expect((await notificationsOf(progress, "bob")).map((n) => n.runId)).toEqual([slow[1]!.id]);
    const cy = await notificationsOf(progress, "cy");
    // The asking run runs long too: the seed's rule announces it once, beside its three episodes.
    expect(cy.filter((n) => n.source === "automation:slow-runs").map((n) => n.runId)).toEqual([asking.id]);
    expect(cy.filter((n) => n.source === "automation:asks").map((n) => n.body)).toEqual([
      "Deploy needs you: action_required 5",
      "Deploy needs you: action_required 3",
      "Deploy needs you: action_required 1",
    ]);
    const output = children.map((c) => c.output()).join("");
    expect(output).not.toMatch(/^error /m);
    // Between them the two processes delivered each notification once.
    expect(output.match(/^log \S+ \S+ notified /gm)).toHaveLength(7);
  });
});

describe.each(BACKENDS)("two instances on one database: $name", (backend) => {
  async function pair(files: Record<string, string>) {
    const clock = fakeClock();
    const database = backend.database();
    const dir = automationsDir(files);
    const instances: Array<{ progress: Progress; engine: AutomationEngine }> = [];
    for (let i = 0; i < 2; i++) {
      const progress = createProgress({ backend: database.open(), clock: clock.now, sweepIntervalMs: 0 });
      onCleanup(() => progress.close());
      await progress.ready;
      const engine = await runAutomations(progress, {
        dir,
        clock: clock.now,
        timerIntervalMs: 3_600_000,
        feedIntervalMs: 10,
        onLog: () => {},
      });
      onCleanup(() => engine.close());
      instances.push({ progress, engine });
    }
    const both = async (what: (engine: AutomationEngine) => Promise<void>) => {
      await Promise.all(instances.map(({ engine }) => what(engine)));
    };
    await both((engine) => engine.idle());
    return { clock, a: instances[0]!.progress, b: instances[1]!.progress, both };
  }

  it("a run past the threshold is announced once, whichever instance looks first", async () => {
    const { clock, a, b, both } = await pair({ "slow-runs.md": SLOW_RUNS });
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => a.startRun({ owner: "ann", title: `r${i}` })));
    clock.advance(4 * MINUTE);
    await both((engine) => engine.check());
    clock.advance(61 * SECOND);
    for (let i = 0; i < 5; i++) {
      await Promise.all([
        ...runs.map((run, j) => (j % 2 ? a : b).updateRunProgress(run.id, "ann", { percent: i * 10 + j })),
        both((engine) => engine.check()),
      ]);
      clock.advance(SECOND);
    }
    await both((engine) => engine.idle());
    const notes = await notificationsOf(b, "ann");
    expect(notes.map((n) => n.runId).sort()).toEqual(runs.map((run) => run.id).sort());
  });

  it("a repeat rule is announced once per episode, both instances watching", async () => {
    const { a, b, both } = await pair({ "asks.md": ASKS });
    const run = await a.startRun({ owner: "ann", title: "Deploy" });
    for (let episode = 1; episode <= 4; episode++) {
      await a.updateRunProgress(run.id, "ann", { state: "action_required", step: `question ${episode}` });
      await both((engine) => engine.idle());
      await b.updateRunProgress(run.id, "ann", { step: `still question ${episode}` });
      await both((engine) => engine.idle());
      await b.updateRunProgress(run.id, "ann", { state: "tool_running", step: `answered ${episode}` });
      await both((engine) => engine.idle());
    }
    const notes = await notificationsOf(a, "ann");
    expect(notes.map((n) => n.body)).toEqual([4, 3, 2, 1].map((i) => `Deploy needs you: question ${i}`));
  });
});
