import { generateText, stepCountIs } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { manageProgressTool } from "../../src/tools/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
beforeEach(() => {
  progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
});
afterEach(async () => {
  await progress.close();
});

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** A model that calls the tool once with `input`, then answers in text after seeing the result. */
function modelCalling(input: Record<string, unknown>) {
  let call = 0;
  return new MockLanguageModelV3({
    doGenerate: async () => {
      call++;
      if (call === 1) {
        return {
          content: [
            { type: "tool-call", toolCallId: "call-1", toolName: "manage-progress", input: JSON.stringify(input) },
          ],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage,
          warnings: [],
        };
      }
      return {
        content: [{ type: "text", text: "Done." }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      };
    },
  });
}

describe("manageProgressTool with the AI SDK", () => {
  it("starts a real run for the bound owner when the model calls it through generateText", async () => {
    const result = await generateText({
      model: modelCalling({
        action: "start",
        title: "Summarize 40 tickets",
        step: "Reading tickets",
      }),
      tools: { "manage-progress": manageProgressTool({ owner: "ann@example.com", progress }) },
      prompt: "Summarize my tickets",
      stopWhen: stepCountIs(3),
    });
    const toolResult = result.steps[0]?.toolResults[0];
    expect(toolResult?.output).toMatchObject({
      ok: true,
      action: "start",
      message: expect.stringContaining("Started run"),
    });
    const runs = await progress.listRuns("ann@example.com");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ title: "Summarize 40 tickets", step: "Reading tickets", status: "running" });
    // The owner comes from the binding, never from what the model sent.
    expect(await progress.listRuns("mallory")).toEqual([]);
    expect(result.text).toBe("Done.");
  });

  it("refuses an owner argument by name: the owner comes from the binding, never from the model", async () => {
    const result = await generateText({
      model: modelCalling({ action: "start", title: "Sneaky", owner: "mallory" }),
      tools: { "manage-progress": manageProgressTool({ owner: "ann@example.com", progress }) },
      prompt: "go",
      stopWhen: stepCountIs(3),
    });
    const error = result.steps[0]?.content.find((part) => part.type === "tool-error");
    // The AI SDK hands the model zod's issues as JSON text, quotes escaped.
    expect(String((error as { error?: unknown } | undefined)?.error)).toMatch(/unknown argument \\?"owner\\?"/);
    expect(await progress.listRuns("ann@example.com")).toEqual([]);
    expect(await progress.listRuns("mallory")).toEqual([]);
  });

  it("tells the model when the user asked to cancel", async () => {
    const run = await progress.startRun({ owner: "ann", title: "Long job" });
    await progress.requestCancel(run.id, "ann");
    const result = await generateText({
      model: modelCalling({ action: "update", runId: run.id, percent: 50 }),
      tools: { "manage-progress": manageProgressTool({ owner: "ann", progress }) },
      prompt: "continue",
      stopWhen: stepCountIs(3),
    });
    const output = result.steps[0]?.toolResults[0]?.output as { message: string; cancelRequested: boolean };
    expect(output.cancelRequested).toBe(true);
    expect(output.message).toContain("The user asked to cancel this run");
  });

  it("answers a bad argument with the field and limit instead of throwing", async () => {
    const result = await generateText({
      model: modelCalling({ action: "start", title: "x".repeat(201) }),
      tools: { "manage-progress": manageProgressTool({ owner: "ann", progress }) },
      prompt: "go",
      stopWhen: stepCountIs(3),
    });
    const output = result.steps[0]?.toolResults[0]?.output as { ok: boolean; message: string };
    expect(output.ok).toBe(false);
    expect(output.message).toBe("title: must be at most 200 characters");
    expect(await progress.listRuns("ann")).toEqual([]);
  });
});
