/**
 * The automations engine on every backend, with a fake clock the store and the
 * engine share: the seed's example file fires exactly once for a run left
 * running past its threshold (events arriving, the timer passing many times,
 * a restart); events are judged at their own time; repeat: true fires again
 * after the condition stopped matching; schedules check running runs at each
 * due cron time.
 */
import { describe, expect, it } from "vitest";
import { type AutomationEngine, type RunAutomationsOptions, runAutomations } from "../../src/automations/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { BACKENDS } from "../store/backends.js";
import {
  automation,
  automationsDir,
  eventually,
  fakeClock,
  logLines,
  MINUTE,
  notificationsOf,
  onCleanup,
  SECOND,
  SLOW_RUNS,
} from "./helpers.js";

/** The timer never fires by itself in these tests: they call check() as the timer would. */
const NO_TIMER = 3_600_000;

describe.each(BACKENDS)("automations on $name", (backend) => {
  async function setUp(files: Record<string, string>, options: Partial<RunAutomationsOptions> = {}) {
    const clock = fakeClock();
    const progress = createProgress({ backend: backend.open(), clock: clock.now, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    await progress.ready;
    const log = logLines();
    const dir = automationsDir(files);
    const start = async (): Promise<AutomationEngine> => {
      const engine = await runAutomations(progress, {
        dir,
        clock: clock.now,
        timerIntervalMs: NO_TIMER,
        feedIntervalMs: 20,
        onLog: log.onLog,
        ...options,
      });
      onCleanup(() => engine.close());
      await engine.idle(); // the feed reader knows where the feed stands
      return engine;
    };
    return { progress, clock, log, dir, engine: await start(), start };
  }

  it("the seed's example: a run left running past five minutes gets exactly one notification", async () => {
    const { progress, clock, log, engine, start } = await setUp({ "slow-runs.md": SLOW_RUNS });
    expect(engine.automations().map((a) => [a.id, a.mode])).toEqual([["slow-runs", "agentic"]]);
    const slow = await progress.startRun({ owner: "ann", title: "Index the wiki" });
    const quick = await progress.startRun({ owner: "bob", title: "Rename 3 files" });
    for (let minute = 1; minute <= 4; minute++) {
      clock.advance(MINUTE);
      await progress.updateRunProgress(slow.id, "ann", { percent: minute * 10, step: `page ${minute}` });
      await engine.check();
    }
    await progress.completeRun(quick.id, "bob", "succeeded");
    clock.advance(59 * SECOND);
    await engine.check();
    await engine.idle();
    expect(await notificationsOf(progress, "ann")).toEqual([]);

    // Stuck past the threshold: no event comes, the timer finds it.
    clock.advance(2 * SECOND);
    await engine.check();
    // Then events keep arriving and the timer keeps passing.
    for (let i = 0; i < 15; i++) {
      clock.advance(20 * SECOND);
      await progress.updateRunProgress(slow.id, "ann", { percent: 50 + i, step: `page ${5 + i}` });
      await engine.check();
    }
    await engine.idle();
    // A restart (a new engine, nothing in memory) does not announce it again.
    await engine.close();
    const again = await start();
    await progress.updateRunProgress(slow.id, "ann", { percent: 90 });
    await again.check();
    await again.idle();

    const notes = await notificationsOf(progress, "ann");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      title: `Notify me that run ${slow.id} has been running for a long time.`,
      body: `Notify me that run ${slow.id} has been running for a long time.`,
      runId: slow.id,
      source: "automation:slow-runs",
      severity: "info",
    });
    expect(await notificationsOf(progress, "bob")).toEqual([]);
    const fallbacks = log.entries.filter((e) => e.message.startsWith("no model configured"));
    expect(fallbacks).toEqual([
      {
        level: "warn",
        automation: "slow-runs",
        runId: slow.id,
        message: "no model configured; delivered the body as written",
      },
    ]);
  });

  it("judges an event at the moment it happened, without waiting for the timer", async () => {
    const { progress, clock, engine } = await setUp({ "slow-runs.md": SLOW_RUNS });
    const run = await progress.startRun({ owner: "ann", title: "Crawl the docs" });
    clock.advance(4 * MINUTE);
    await progress.updateRunProgress(run.id, "ann", { percent: 40 });
    await engine.idle();
    expect(await notificationsOf(progress, "ann")).toEqual([]);
    clock.advance(2 * MINUTE);
    await progress.updateRunProgress(run.id, "ann", { percent: 60 });
    await engine.idle();
    expect((await notificationsOf(progress, "ann")).map((n) => n.runId)).toEqual([run.id]);
    // A run that ended before its threshold is not announced even when looked at later.
    const done = await progress.startRun({ owner: "ann", title: "Done fast" });
    await progress.completeRun(done.id, "ann", "succeeded");
    clock.advance(10 * MINUTE);
    await engine.check();
    await engine.idle();
    expect(await notificationsOf(progress, "ann")).toHaveLength(1);
  });

  it("repeat: true fires again after the condition stopped matching; without it, once per run", async () => {
    const { progress, engine } = await setUp({
      "needs-you.md": automation("state is action_required", "repeat: true", "{{title}} needs you: {{step}}"),
      "needs-you-once.md": automation("state is action_required", "", "{{title}} needs you"),
    });
    const run = await progress.startRun({ owner: "ann", title: "Deploy" });
    for (const [state, step] of [
      ["streaming", "planning"],
      ["action_required", "Approve the plan?"],
      ["action_required", "Approve the plan? (still)"],
      ["tool_running", "applying"],
      ["action_required", "Approve the migration?"],
      ["streaming", "done asking"],
    ] as const) {
      await progress.updateRunProgress(run.id, "ann", { state, step });
      await engine.idle();
    }
    const notes = await notificationsOf(progress, "ann");
    expect(notes.filter((n) => n.source === "automation:needs-you").map((n) => n.body)).toEqual([
      "Deploy needs you: Approve the migration?",
      "Deploy needs you: Approve the plan?",
    ]);
    expect(notes.filter((n) => n.source === "automation:needs-you-once")).toHaveLength(1);
  });

  it("repeat: true on a time condition: the timer finds each silence, a write ends it", async () => {
    const { progress, clock, engine } = await setUp({
      "silent.md": automation(
        "status is running and (now - updated) > 1 minute",
        "repeat: true",
        "{{title}} went quiet",
      ),
    });
    const run = await progress.startRun({ owner: "ann", title: "Sync" });
    await engine.idle();
    for (let round = 0; round < 3; round++) {
      clock.advance(61 * SECOND);
      for (let i = 0; i < 5; i++) await engine.check(); // silent: announced once per silence
      await progress.updateRunProgress(run.id, "ann", { percent: 10 * (round + 1) }); // a sign of life
      await engine.idle();
      await engine.check();
    }
    await engine.idle();
    expect(await notificationsOf(progress, "ann")).toHaveLength(3);
  });

  it("schedules check running runs at each due cron time: once per run, or every tick with repeat", async () => {
    const cron = (extra = "") =>
      `---\ntriggerType: schedule\ncron: "0 9 * * *"\ncondition: percent < 50\n${extra}---\n{{title}} is at {{percent}}%\n`;
    const { progress, clock, engine } = await setUp({
      "morning.md": cron(),
      "every-morning.md": cron("repeat: true\n"),
    });
    const at = (iso: string) => clock.set(Date.parse(iso));
    const slow = await progress.startRun({ owner: "ann", title: "Backfill", percent: 10 });
    await progress.startRun({ owner: "bob", title: "Nearly", percent: 80 });
    const ended = await progress.startRun({ owner: "cy", title: "Ended", percent: 5 });
    await progress.completeRun(ended.id, "cy", "failed");
    at("2026-03-02T08:59:59Z");
    await engine.check();
    expect(await notificationsOf(progress, "ann")).toEqual([]);
    at("2026-03-02T09:00:03Z");
    await engine.check();
    await engine.check(); // the same tick is not run twice
    at("2026-03-03T09:00:01Z");
    await engine.check();
    at("2026-03-06T12:00:00Z"); // three ticks missed: the latest one runs, once
    await engine.check();
    const notes = await notificationsOf(progress, "ann");
    expect(notes.filter((n) => n.source === "automation:morning").map((n) => n.runId)).toEqual([slow.id]);
    expect(notes.filter((n) => n.source === "automation:every-morning")).toHaveLength(3);
    expect(notes[0]?.title).toBe("Backfill is at 10%");
    expect(await notificationsOf(progress, "bob")).toEqual([]);
    expect(await notificationsOf(progress, "cy")).toEqual([]);
  });
});

describe("the engine's edges", () => {
  async function sqliteSetUp(files: Record<string, string>) {
    const clock = fakeClock();
    const progress: Progress = createProgress({ backend: BACKENDS[0]!.open(), clock: clock.now, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    return { progress, clock, dir: automationsDir(files) };
  }

  it("its own timer finds a silent run past the threshold (real time, no events)", async () => {
    const progress = createProgress({ backend: BACKENDS[0]!.open(), sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const dir = automationsDir({ "slow-runs.md": SLOW_RUNS.replace("5 minutes", "300 ms") });
    const engine = await runAutomations(progress, { dir, timerIntervalMs: 50, onLog: () => {} });
    onCleanup(() => engine.close());
    await engine.idle();
    const run = await progress.startRun({ owner: "ann", title: "Silent" });
    await eventually(async () => (await notificationsOf(progress, "ann")).length > 0, 10_000, "the timer's firing");
    await new Promise((resolve) => setTimeout(resolve, 300)); // several more passes
    expect((await notificationsOf(progress, "ann")).map((n) => n.runId)).toEqual([run.id]);
  });

  it("closes cleanly: nothing fires after close, and close twice is fine", async () => {
    const { progress, clock, dir } = await sqliteSetUp({ "slow-runs.md": SLOW_RUNS });
    const engine = await runAutomations(progress, { dir, clock: clock.now, timerIntervalMs: 10, onLog: () => {} });
    await engine.idle();
    const run = await progress.startRun({ owner: "ann", title: "Long" });
    await engine.close();
    await engine.close();
    clock.advance(10 * MINUTE);
    await progress.updateRunProgress(run.id, "ann", { percent: 50 });
    await engine.check();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await notificationsOf(progress, "ann")).toEqual([]);
  });
});
