import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { type OpeningSource, SseChannel } from "../../src/server/sse/sse-channel.js";

let seq = 0;
function updated(id: string, version: number, padding = 0): HeadwayEvent {
  const at = new Date(0).toISOString();
  const run: AgentRun = {
    id,
    owner: "ann",
    title: id,
    step: `v${version}`,
    percent: version,
    status: "running",
    state: null,
    metadata: { padding: "x".repeat(padding) },
    parentId: null,
    cancelRequested: false,
    etaMs: null,
    createdAt: at,
    startedAt: at,
    updatedAt: at,
    completedAt: null,
    heartbeatAt: at,
    diagnostics: {
      submitToStatusMs: null,
      submitToFirstEventMs: null,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version,
    attention: null,
  } as AgentRun;
  return {
    id: `${++seq}-0`,
    type: "run.progress.updated",
    owner: "ann",
    at,
    run,
    payload: { runId: id, percent: version, step: run.step, status: "running" },
  };
}

const text = new TextDecoder();

/** A snapshot source that hands out the given pages one read at a time. */
function pagedSource(pages: string[], onRead?: (index: number) => void): OpeningSource {
  let index = 0;
  return {
    seq: seq,
    versions: new Map(),
    async next() {
      if (index >= pages.length) return undefined;
      onRead?.(index);
      return new TextEncoder().encode(pages[index++]);
    },
  };
}

describe("a stream channel past its byte budget", () => {
  it("drops its queue, sends stream.resync and a fresh snapshot; falling behind again during it ends the stream with a reason", async () => {
    let channel: SseChannel | undefined;
    const ended: string[] = [];
    const push = (n: number) => {
      for (let i = 0; i < n; i++) channel?.push(updated(`r${i}`, ++seq, 1000));
    };
    channel = new SseChannel({
      maxPendingEvents: 1000,
      bufferBytes: 4096,
      filter: () => true,
      onClose: () => {},
      onEndWith: (reason) => ended.push(reason.code),
      // While the re-sync's first page is read, the client falls behind again.
      resync: async () =>
        pagedSource(['event: snapshot\ndata: {"runs":[', "]}\n\n"], (i) => {
          if (i === 1) push(10);
        }),
    });
    const reader = channel.stream.getReader();
    channel.begin({ frames: [{ event: "snapshot", id: "0-0", data: '{"runs":[]}' }], seq: 0, versions: new Map() });
    expect(text.decode((await reader.read()).value)).toContain("event: snapshot");

    push(10); // about 10 KB queued against a 4 KiB budget: dropped
    expect(channel.backlog).toBe(0);
    expect(channel.overflowCount).toBe(1);

    let received = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += text.decode(value);
    }
    expect(received.indexOf("event: stream.resync")).toBeLessThan(received.indexOf("event: snapshot"));
    expect(received).toContain('data: {"runs":[]}');
    // The snapshot went out whole, then the reason, then the end.
    expect(received.trimEnd().endsWith('"}')).toBe(true);
    expect(received).toMatch(/event: stream\.ended\ndata: \{"code":"slow_client"/);
    expect(ended).toEqual(["slow_client"]);
    expect(channel.isClosed).toBe(true);
  });

  it("counts bytes the socket has not flushed against the budget", () => {
    let unflushed = 0;
    const channel = new SseChannel({
      maxPendingEvents: 1000,
      bufferBytes: 4096,
      unflushed: () => unflushed,
      filter: () => true,
      onClose: () => {},
      resync: async () => pagedSource([]),
    });
    channel.push(updated("a", 1, 100));
    expect(channel.overflowCount).toBe(0);
    unflushed = 5000; // the socket holds more than the budget: the next event tips it over
    channel.push(updated("b", 2, 100));
    expect(channel.overflowCount).toBe(1);
    expect(channel.backlog).toBe(0);
  });
});

describe("a stream channel after its snapshot", () => {
  it("sends no live event at or below the commit its snapshot was read at (the feed may publish it late)", async () => {
    const channel = new SseChannel({
      maxPendingEvents: 1000,
      bufferBytes: 1 << 20,
      filter: () => true,
      onClose: () => {},
      resync: async () => pagedSource([]),
    });
    const reader = channel.stream.getReader();
    const late = updated("late", 1); // committed before the snapshot was read, published after it went out
    const snapshotSeq = seq;
    channel.begin({
      frames: [{ event: "snapshot", id: `${snapshotSeq}-0`, data: '{"runs":[]}' }],
      seq: snapshotSeq,
      versions: new Map(),
    });
    expect(text.decode((await reader.read()).value)).toContain(`id: ${snapshotSeq}-0`);
    // The client reads on: the snapshot is done and the channel waits for live events.
    const following = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 10));
    channel.push(late);
    const next = updated("next", 1);
    channel.push(next);
    const sent = text.decode((await following).value);
    expect(sent).toContain(`id: ${next.id}`);
    expect(sent).not.toContain(`id: ${late.id}`);
    channel.dispose();
  });
});
