import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ValidationError } from "../../src/core/index.js";
import { createStatusUpdater, type StatusEvent, type StatusUpdaterOptions } from "../../src/status/index.js";
import { collectEvents, countingSummarizer, manualSummarizer, recordingTarget } from "./helpers.js";

const tool = (n: number): StatusEvent => ({
  type: "tool_execution",
  tool: "search_docs",
  input: { query: `topic ${n}` },
});

function setup(overrides: Partial<StatusUpdaterOptions> = {}) {
  const target = recordingTarget();
  const summarizer = countingSummarizer();
  const { events, onEvent } = collectEvents();
  const updater = createStatusUpdater({
    target,
    runId: "run-1",
    owner: "alice",
    summarizer,
    numEvents: 3,
    timeInSeconds: 30,
    initialDelaySeconds: 0,
    minIntervalSeconds: 0,
    onEvent,
    ...overrides,
  });
  return { target, summarizer, updater, events };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("trigger rule", () => {
  it("fires when new events reach numEvents, covering exactly those events", async () => {
    const { target, summarizer, updater } = setup();
    updater.track(tool(1));
    updater.track(tool(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(0);
    updater.track(tool(3));
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    expect(summarizer.calls[0]?.events).toHaveLength(3);
    expect(target.posts[0]).toMatchObject({ runId: "run-1", owner: "alice", source: "offline" });
    expect(updater.pendingEvents).toBe(0);
    await updater.close();
  });

  it("fires after timeInSeconds with at least one new event, and not without one", async () => {
    const { target, updater } = setup();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(target.posts).toHaveLength(0); // time passed but nothing new
    updater.track(tool(1)); // 60 s since start: due at once
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    updater.track(tool(2));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(target.posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(target.posts).toHaveLength(2);
    await updater.close();
  });

  it("restarts the clock after every update", async () => {
    const { target, updater } = setup();
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(10_000);
    updater.track(tool(2));
    updater.track(tool(3)); // count: update at t=10 s
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    updater.track(tool(4)); // t=10 s; the time trigger counts from the update, not from t=0
    await vi.advanceTimersByTimeAsync(25_000); // t=35 s: 30 s after start, 25 s after the update
    expect(target.posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000); // t=40 s: 30 s after the update
    expect(target.posts).toHaveLength(2);
    await updater.close();
  });

  it("a fast run inside the initial delay produces no update at all", async () => {
    const { target, updater } = setup({ initialDelaySeconds: 10 });
    for (let i = 0; i < 8; i++) updater.track(tool(i)); // past numEvents
    await vi.advanceTimersByTimeAsync(4_000);
    await updater.close(); // the run ended after 4 s
    await vi.advanceTimersByTimeAsync(60_000);
    expect(target.posts).toHaveLength(0);
  });

  it("an update that fell due during the initial delay goes out when it ends", async () => {
    const { target, summarizer, updater } = setup({ initialDelaySeconds: 10 });
    for (let i = 0; i < 4; i++) updater.track(tool(i));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(target.posts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(target.posts).toHaveLength(1);
    expect(summarizer.calls[0]?.events).toHaveLength(4);
    await updater.close();
  });

  it("minIntervalSeconds spaces updates even when the count is reached", async () => {
    const { target, updater } = setup({ minIntervalSeconds: 5 });
    for (let i = 0; i < 3; i++) updater.track(tool(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1); // the first update waits only for the initial delay
    for (let i = 0; i < 3; i++) updater.track(tool(i + 10));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(target.posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(target.posts).toHaveLength(2);
    await updater.close();
  });

  it("stops at maxSummaries and says so once", async () => {
    const { target, updater, events } = setup({ maxSummaries: 2 });
    for (let i = 0; i < 12; i++) {
      updater.track(tool(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(target.posts).toHaveLength(2);
    expect(events.filter((e) => e.type === "status:cap_reached")).toHaveLength(1);
    await updater.close();
  });
});

describe("streaming", () => {
  it("posts nothing while answer text streams, then one update when it ends", async () => {
    const { target, summarizer, updater } = setup();
    updater.textStreamStarted();
    for (let i = 0; i < 7; i++) updater.track(tool(i));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(target.posts).toHaveLength(0);
    updater.textStreamEnded();
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    expect(summarizer.calls[0]?.events).toHaveLength(7);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(target.posts).toHaveLength(1);
    await updater.close();
  });

  it("textStreamStarted is idempotent: one end releases a stream started many times", async () => {
    const { target, updater } = setup();
    for (let i = 0; i < 5; i++) updater.textStreamStarted();
    for (let i = 0; i < 3; i++) updater.track(tool(i));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(target.posts).toHaveLength(0);
    updater.textStreamEnded();
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    await updater.close();
  });

  it("flush during a stream defers to the end of the stream", async () => {
    const { target, updater } = setup({ numEvents: 100 });
    updater.track(tool(1));
    updater.textStreamStarted();
    expect(await updater.flush()).toBeNull();
    expect(target.posts).toHaveLength(0);
    updater.textStreamEnded();
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts).toHaveLength(1);
    await updater.close();
  });
});

describe("one summary in flight", () => {
  it("events during a summary are not lost and cause exactly one more update", async () => {
    const target = recordingTarget();
    const summarizer = manualSummarizer();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      summarizer,
      numEvents: 2,
      timeInSeconds: 30,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
    });
    updater.track(tool(1));
    updater.track(tool(2)); // starts summary 1
    await vi.advanceTimersByTimeAsync(0);
    expect(summarizer.calls).toHaveLength(1);
    for (let i = 3; i <= 8; i++) updater.track(tool(i)); // past numEvents, but one is in flight
    await vi.advanceTimersByTimeAsync(60_000);
    expect(summarizer.calls).toHaveLength(1);
    summarizer.release({ summary: "First" });
    await vi.advanceTimersByTimeAsync(0);
    expect(target.posts.map((p) => p.summary)).toEqual(["First"]);
    // The six later events were already due by count: exactly one more summary covers them all.
    expect(summarizer.calls).toHaveLength(2);
    expect(summarizer.calls[1]?.events.map((e) => (e as { input: { query: string } }).input.query)).toEqual([
      "topic 3",
      "topic 4",
      "topic 5",
      "topic 6",
      "topic 7",
      "topic 8",
    ]);
    expect(summarizer.calls[0]?.events).toHaveLength(2);
    summarizer.release({ summary: "Second" });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(summarizer.calls).toHaveLength(2);
    expect(target.posts.map((p) => p.summary)).toEqual(["First", "Second"]);
    await updater.close();
  });

  it("a few events during a summary wait for the time trigger, then make exactly one more", async () => {
    const target = recordingTarget();
    const summarizer = manualSummarizer();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      summarizer,
      numEvents: 10,
      timeInSeconds: 30,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
    });
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(30_000); // time trigger: summary 1 starts
    expect(summarizer.calls).toHaveLength(1);
    updater.track(tool(2));
    updater.track(tool(3));
    await vi.advanceTimersByTimeAsync(5_000);
    summarizer.release({ summary: "First" });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(summarizer.calls).toHaveLength(1); // clock restarted at the update
    await vi.advanceTimersByTimeAsync(1_000);
    expect(summarizer.calls).toHaveLength(2);
    expect(summarizer.calls[1]?.events).toHaveLength(2);
    summarizer.release({ summary: "Second" });
    await vi.advanceTimersByTimeAsync(300_000);
    expect(summarizer.calls).toHaveLength(2);
    await updater.close();
  });

  it("flush waits for the summary in flight, then covers the events that arrived meanwhile", async () => {
    const target = recordingTarget();
    const summarizer = manualSummarizer();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      summarizer,
      numEvents: 1,
      initialDelaySeconds: 0,
      minIntervalSeconds: 60,
    });
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(0);
    updater.track(tool(2));
    updater.track(tool(3));
    const flushed = updater.flush();
    summarizer.release({ summary: "First" });
    await vi.advanceTimersByTimeAsync(0);
    expect(summarizer.calls).toHaveLength(2); // flush ignores the minimum interval
    expect(summarizer.calls[1]?.events).toHaveLength(2);
    summarizer.release({ summary: "Second" });
    expect(await flushed).toMatchObject({ summary: "Second", eventCount: 2 });
    expect(target.posts.map((p) => p.summary)).toEqual(["First", "Second"]);
    await updater.close();
  });

  it("close abandons a summary in flight: nothing is posted after close", async () => {
    const target = recordingTarget();
    const summarizer = manualSummarizer();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      summarizer,
      numEvents: 1,
      initialDelaySeconds: 0,
    });
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(summarizer.calls[0]?.signal?.aborted).toBe(false);
    const closing = updater.close();
    expect(summarizer.calls[0]?.signal?.aborted).toBe(true);
    summarizer.release({ summary: "Late" });
    await closing;
    expect(target.posts).toHaveLength(0);
    updater.track(tool(2)); // ignored, no throw
    expect(await updater.flush()).toBeNull();
  });
});

describe("delta discipline", () => {
  it("drops a summary that repeats a recent one after normalising", async () => {
    const target = recordingTarget();
    const answers = ["Searching the docs…", "Reading 3 pages.", "searching   THE docs!", "Reading 4 pages."];
    const { events, onEvent } = collectEvents();
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      numEvents: 1,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
      onEvent,
      summarizer: { summarize: async () => ({ summary: answers.shift() ?? "", source: "model" }) },
    });
    for (let i = 0; i < 4; i++) {
      updater.track(tool(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(target.posts.map((p) => p.summary)).toEqual(["Searching the docs…", "Reading 3 pages.", "Reading 4 pages."]);
    expect(events.filter((e) => e.type === "status:duplicate_dropped")).toHaveLength(1);
    expect(target.posts.every((p) => p.source === "model")).toBe(true);
    await updater.close();
  });

  it("reports a number that has not moved across two updates as a stall", async () => {
    const target = recordingTarget();
    const percents = [20, 40, 40];
    const { events, onEvent } = collectEvents();
    let n = 0;
    const updater = createStatusUpdater({
      target,
      runId: "r",
      owner: "o",
      numEvents: 1,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
      onEvent,
      statusComponents: [{ type: "progress", description: "overall progress", detailsSchema: { type: "object" } }],
      summarizer: {
        summarize: async () => ({
          summary: `Working on section ${++n}`,
          components: [{ type: "progress", details: { percent: percents.shift() } }],
          source: "model",
        }),
      },
    });
    for (let i = 0; i < 3; i++) {
      updater.track(tool(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(target.posts.map((p) => p.percent)).toEqual([20, 40, 40]);
    expect(target.posts[1]?.summary).toBe("Working on section 2");
    expect(target.posts[2]?.summary).toMatch(/^Working on section 3\. No change since the last update \(still at 40%/);
    expect(target.posts[2]?.components?.[0]?.stalled).toBe(true);
    expect(updater.updates[2]?.stalled).toEqual(["percent", "progress.percent"]);
    expect(events.find((e) => e.type === "status:stall")).toMatchObject({ fields: ["percent", "progress.percent"] });
    await updater.close();
  });
});

describe("never into the agent's path", () => {
  it("rejects a prompt over 2,000 characters with an error naming the field and limit", () => {
    const target = recordingTarget();
    const make = (prompt: string) => createStatusUpdater({ target, runId: "r", owner: "o", prompt });
    expect(() => make("x".repeat(2000))).not.toThrow();
    expect(() => make("x".repeat(2001))).toThrow(ValidationError);
    expect(() => make("x".repeat(2001))).toThrow("prompt: must be at most 2000 characters; got 2001");
  });

  it("rejects bad options at construction", () => {
    const target = recordingTarget();
    expect(() => createStatusUpdater({ target, runId: "r", owner: "o", numEvents: 0 })).toThrow("numEvents");
    expect(() => createStatusUpdater({ target, runId: "r", owner: "o", timeInSeconds: Number.NaN })).toThrow(
      "timeInSeconds",
    );
    expect(() => createStatusUpdater({ target: {} as never, runId: "r", owner: "o" })).toThrow(
      "target: must have a postStatusUpdate",
    );
  });

  it("track() is synchronous and never throws; bad events and failures become events", async () => {
    const { events, onEvent } = collectEvents();
    let fail = true;
    const posts: string[] = [];
    const updater = createStatusUpdater({
      target: {
        async postStatusUpdate(_id, _owner, update) {
          if (fail) throw new Error("database is down");
          posts.push(update.summary);
        },
      },
      runId: "r",
      owner: "o",
      numEvents: 1,
      timeInSeconds: 30,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
      onEvent: (e) => {
        onEvent(e);
        throw new Error("a listener that throws");
      },
      summarizer: {
        summarize: async () => {
          throw new Error("summarizer exploded");
        },
      },
    });
    expect(updater.track({ type: "nonsense" } as unknown as StatusEvent)).toBeUndefined();
    expect(() => updater.track(null as unknown as StatusEvent)).not.toThrow();
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.type)).toEqual([
      "status:event_rejected",
      "status:event_rejected",
      "status:fallback",
      "status:post_failed",
    ]);
    expect(updater.pendingEvents).toBe(1); // kept for the next update
    fail = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(posts).toEqual(["Searching docs for “topic 1”…"]); // the offline summarizer filled in
    await updater.close();
  });

  it("stops when the target says the run is gone (null)", async () => {
    const { events, onEvent } = collectEvents();
    const posted: string[] = [];
    const updater = createStatusUpdater({
      target: {
        async postStatusUpdate(_id, _owner, u) {
          posted.push(u.summary);
          return null;
        },
      },
      runId: "r",
      owner: "o",
      numEvents: 1,
      initialDelaySeconds: 0,
      minIntervalSeconds: 0,
      onEvent,
    });
    updater.track(tool(1));
    await vi.advanceTimersByTimeAsync(0);
    updater.track(tool(2));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posted).toHaveLength(1);
    expect(events.some((e) => e.type === "status:post_failed")).toBe(true);
  });

  it("flush summarises pending events now, whatever the thresholds", async () => {
    const { target, updater } = setup({ numEvents: 100, initialDelaySeconds: 60 });
    expect(await updater.flush()).toBeNull();
    updater.track(tool(1));
    const update = await updater.flush();
    expect(update).toMatchObject({ eventCount: 1, source: "offline" });
    expect(target.posts).toHaveLength(1);
    await updater.close();
  });
});
