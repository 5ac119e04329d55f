import { createUIMessageStream, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createStatusUpdater,
  normaliseSummary,
  type StatusDataParts,
  type StatusEvent,
  type StatusTarget,
  writeStatusUpdate,
} from "../../src/status/index.js";

type StatusMessage = UIMessage<unknown, StatusDataParts>;

const INTERNAL = ["orchestrator", "researcher_agent", "writer_agent", "search_docs", "fetch_page", "send_email"];

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a simulated multi-agent conversation", () => {
  it("produces a short sequence of sensible, non-duplicated updates, none while text streams, also as stream parts", async () => {
    let streaming = false;
    const posts: Array<{ summary: string; at: number; whileStreaming: boolean }> = [];
    const target: StatusTarget = {
      async postStatusUpdate(_runId, _owner, update) {
        posts.push({ summary: update.summary, at: Date.now(), whileStreaming: streaming });
        return {};
      },
    };
    const updater = createStatusUpdater({
      target,
      runId: "run-42",
      owner: "alice",
      numEvents: 4,
      timeInSeconds: 20,
      initialDelaySeconds: 5,
      minIntervalSeconds: 2,
    });

    // The UI message stream the chat client reads; updates go into it as they are posted.
    let writeUpdate: ((u: Parameters<typeof writeStatusUpdate>[1]) => void) | undefined;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const stream = createUIMessageStream<StatusMessage>({
      execute: async ({ writer }) => {
        writer.write({ type: "start", messageId: "answer-1" });
        writeUpdate = (u) => writeStatusUpdate(writer, u, { runId: "run-42" });
        await done;
        writer.write({ type: "text-start", id: "t" });
        writer.write({ type: "text-delta", id: "t", delta: "Here is your OAuth guide." });
        writer.write({ type: "text-end", id: "t" });
        writer.write({ type: "finish" });
      },
    });
    updater.on("status:posted", ({ update }) => writeUpdate?.(update));
    const reading = (async () => {
      let last: StatusMessage | undefined;
      for await (const m of readUIMessageStream<StatusMessage>({ stream: stream as ReadableStream<UIMessageChunk> })) {
        last = m;
      }
      return last;
    })();

    const at = async (second: number, fn: () => void) => {
      await vi.advanceTimersByTimeAsync(Date.UTC(2026, 0, 1, 0, 0, second) - Date.now());
      fn();
      await vi.advanceTimersByTimeAsync(0);
    };
    const track = (e: StatusEvent) => updater.track(e);
    await vi.advanceTimersByTimeAsync(0);

    await at(0, () => track({ type: "agent_generate", agent: "orchestrator", purpose: "Planning the research" }));
    await at(1, () =>
      track({ type: "tool_execution", tool: "search_docs", input: { query: "OAuth setup" }, status: "started" }),
    );
    await at(3, () =>
      track({ type: "tool_execution", tool: "search_docs", status: "succeeded", count: 12, noun: "endpoints" }),
    );
    await at(4, () =>
      track({
        type: "delegation_sent",
        from: "orchestrator",
        to: "researcher_agent",
        task: "Check the token refresh rules",
      }),
    );
    await at(5, () => {}); // the initial delay ends, four events are due
    await at(8, () =>
      track({ type: "tool_execution", tool: "fetch_page", input: { url: "https://docs.example.com/oauth" } }),
    );
    await at(12, () =>
      track({
        type: "delegation_returned",
        from: "researcher_agent",
        to: "orchestrator",
        outcome: "the refresh-token rules",
      }),
    );
    await at(13, () => track({ type: "artifact_saved", name: "oauth-guide.md", kind: "draft" }));
    await at(13, () => {
      streaming = true;
      updater.textStreamStarted();
    });
    await at(16, () => track({ type: "agent_generate", agent: "writer_agent", purpose: "Writing the answer" }));
    await at(36, () => {}); // due by count and by time, held by the stream
    expect(posts).toHaveLength(1);
    await at(40, () => {
      streaming = false;
      updater.textStreamEnded();
    });
    await at(41, () => track({ type: "tool_execution", tool: "send_email", status: "succeeded" }));
    await at(44, () => {});
    await updater.close(); // the run ends: the last event alone was not due
    finish();
    const message = await reading;

    expect(posts.map((p) => p.summary)).toEqual([
      "Found 12 endpoints; a helper is working on “Check the token refresh rules”…",
      "Got the refresh-token rules back; saved the draft “oauth-guide.md”; writing the answer…",
    ]);
    expect(posts.map((p) => p.at - Date.UTC(2026, 0, 1))).toEqual([5_000, 40_000]);
    expect(posts.some((p) => p.whileStreaming)).toBe(false);
    const normalised = posts.map((p) => normaliseSummary(p.summary));
    expect(new Set(normalised).size).toBe(normalised.length);
    for (const p of posts) for (const name of INTERNAL) expect(p.summary).not.toContain(name);

    const parts = message?.parts ?? [];
    expect(parts.filter((p) => p.type === "data-operation")).toHaveLength(2);
    const status = parts.filter((p) => p.type === "data-status");
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ id: "status-run-42", data: { summary: posts[1]?.summary } });
  });
});
