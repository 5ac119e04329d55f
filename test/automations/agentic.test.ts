/**
 * mode: agentic with the AI SDK's own mock model (no network model is
 * reachable): the model gets the rendered body and the run and calls the
 * notify tool; one notification per firing however often it calls; the body
 * as written, with a log line, when the model throws, hangs or does not call
 * the tool. Also a run deleted before delivery.
 */
import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { runAutomations } from "../../src/automations/index.js";
import { createProgress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { automationsDir, fakeClock, logLines, MINUTE, notificationsOf, onCleanup, SLOW_RUNS } from "./helpers.js";

type GenerateResult = Awaited<ReturnType<MockLanguageModelV3["doGenerate"]>>;

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

function toolCalls(...inputs: Array<Record<string, unknown>>): GenerateResult {
  return {
    content: inputs.map((input, i) => ({
      type: "tool-call" as const,
      toolCallId: `call-${i}`,
      toolName: "notify",
      input: JSON.stringify(input),
    })),
    finishReason: { unified: "tool-calls", raw: "tool_calls" },
    usage,
    warnings: [],
  };
}

const textOnly = (text: string): GenerateResult => ({
  content: [{ type: "text", text }],
  finishReason: { unified: "stop", raw: "stop" },
  usage,
  warnings: [],
});

async function setUp(model: MockLanguageModelV3 | undefined, modelTimeoutMs?: number) {
  const clock = fakeClock();
  const progress = createProgress({ databaseUrl: tempDatabasePath(), clock: clock.now, sweepIntervalMs: 0 });
  onCleanup(() => progress.close());
  const log = logLines();
  const engine = await runAutomations(progress, {
    dir: automationsDir({ "slow-runs.md": SLOW_RUNS }),
    model,
    modelTimeoutMs,
    clock: clock.now,
    timerIntervalMs: 3_600_000,
    onLog: log.onLog,
  });
  onCleanup(() => engine.close());
  await engine.idle();
  /** A run of ann's left running past the threshold, found by the timer. */
  const stuck = async () => {
    const run = await progress.startRun({
      owner: "ann@example.com",
      title: "Index the wiki",
      step: "page 40 of 90",
      metadata: { pages: 90 },
    });
    clock.advance(6 * MINUTE);
    await engine.check();
    await engine.check();
    await engine.idle();
    return run;
  };
  return { progress, engine, log, stuck };
}

const promptText = (call: LanguageModelV3CallOptions | undefined) => JSON.stringify(call?.prompt);

describe("mode: agentic", () => {
  it("gives the model the rendered body and the run, and delivers what it sends with notify, once", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        toolCalls(
          {
            title: "Your wiki index is taking long",
            body: "It has run 6 minutes, page 40 of 90.",
            severity: "warning",
          },
          { title: "A second try", body: "refused" },
        ),
    });
    const { progress, log, stuck } = await setUp(model);
    const run = await stuck();
    const notes = await notificationsOf(progress, "ann@example.com");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      title: "Your wiki index is taking long",
      body: "It has run 6 minutes, page 40 of 90.",
      severity: "warning",
      runId: run.id,
      source: "automation:slow-runs",
    });
    expect(model.doGenerateCalls).toHaveLength(1); // the timer passed twice: asked once
    const call = model.doGenerateCalls[0];
    expect(call?.tools?.map((t) => t.name)).toEqual(["notify"]);
    const prompt = promptText(call);
    expect(prompt).toContain(`Notify me that run ${run.id} has been running for a long time.`);
    expect(prompt).toContain("page 40 of 90");
    expect(prompt).toContain("6m 00s");
    expect(prompt).not.toContain("ann@example.com"); // no owner, no internal ids but the run's
    expect(log.entries.filter((e) => e.level === "warn")).toEqual([]);
  });

  it("delivers the body as written, and says so, when the model throws", async () => {
    const model = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new Error("provider unavailable");
      },
    });
    const { progress, log, stuck } = await setUp(model);
    const run = await stuck();
    const notes = await notificationsOf(progress, "ann@example.com");
    expect(notes.map((n) => [n.title, n.source])).toEqual([
      [`Notify me that run ${run.id} has been running for a long time.`, "automation:slow-runs"],
    ]);
    expect(log.entries).toContainEqual({
      level: "warn",
      automation: "slow-runs",
      runId: run.id,
      message: "the model failed (provider unavailable); delivered the body as written",
    });
  });

  it("delivers the body as written when the model answers without calling notify, or takes too long", async () => {
    const quiet = await setUp(new MockLanguageModelV3({ doGenerate: async () => textOnly("I would rather not.") }));
    await quiet.stuck();
    expect(await notificationsOf(quiet.progress, "ann@example.com")).toHaveLength(1);
    expect(quiet.log.entries.map((e) => e.message)).toContain(
      "the model did not call notify; delivered the body as written",
    );

    // A model that never answers (and ignores the abort) does not hold the firing.
    const hung = await setUp(new MockLanguageModelV3({ doGenerate: () => new Promise<never>(() => {}) }), 50);
    await hung.stuck();
    expect(await notificationsOf(hung.progress, "ann@example.com")).toHaveLength(1);
    expect(hung.log.entries.map((e) => e.message)).toContain(
      "the model failed (the model took longer than 50 ms); delivered the body as written",
    );
  });

  it("skips a run deleted before the notification was made, and reports nothing", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The model is slow; meanwhile the run is deleted.
    const model = new MockLanguageModelV3({
      doGenerate: async () => {
        await gate;
        return toolCalls({ title: "Too late" });
      },
    });
    const { progress, engine, stuck } = await setUp(model);
    const errors: unknown[] = [];
    progress.on("rules:error", (error) => errors.push(error));
    const pending = stuck();
    await expect.poll(() => model.doGenerateCalls.length).toBe(1);
    const [run] = await progress.listRuns("ann@example.com");
    expect(await progress.deleteRun(run!.id, "ann@example.com")).toBe(true);
    release();
    await pending;
    await engine.idle();
    expect(await notificationsOf(progress, "ann@example.com")).toEqual([]);
    expect(errors).toEqual([]);
  });
});
