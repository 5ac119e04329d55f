import { get, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, onCleanup, readStreamUntilEnd } from "./helpers.js";

const RUNS = 100;
const UPDATES_PER_RUN = 15;
/** About 15 KB of metadata per write, as in the load. */
const PADDING = "x".repeat(15_000);
const BUDGET = 256 * 1024;
/** What the socket may hold past the check: one chunk (64 KiB) and Node's high-water mark, rounded up. */
const SLACK = 128 * 1024;

async function setup() {
  const f = fixture();
  const server = await startServer({
    progress: f.progress,
    port: 0,
    dashboardDir: false,
    limits: { streamBufferBytes: BUDGET },
  });
  onCleanup(() => server.close());
  const runs: AgentRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await f.progress.startRun({ owner: "ann", title: `run ${i}` }));
  const token = await f.tokenFor("ann");
  const gauge = async (name: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
  };
  return { ...f, server, runs, token, gauge };
}

/** A real socket client that stops reading once the snapshot arrived: the socket fills, TCP pushes back. */
async function stalledClient(url: string, token: string) {
  const frames: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => frames.push(event) });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" } }, resolve).on(
      "error",
      reject,
    );
  });
  onCleanup(() => {
    res.destroy();
  });
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => parser.feed(chunk));
  await eventually(() => frames.length >= 1, 5000, "the snapshot");
  res.pause();
  return { frames, resume: () => res.resume() };
}

function finalStates(frames: EventSourceMessage[]): Map<string, AgentRun> {
  const latest = new Map<string, AgentRun>();
  for (const frame of frames) {
    if (frame.event === "snapshot" || frame.event === "stream.resync") continue;
    const run = (JSON.parse(frame.data) as HeadwayEvent).run;
    if (run && (latest.get(run.id)?.version ?? 0) < run.version) latest.set(run.id, run);
  }
  return latest;
}

/** What a client that applies the frames in order ends up showing: a snapshot replaces the list, events upsert. */
function clientView(frames: EventSourceMessage[]): Map<string, AgentRun> {
  const view = new Map<string, AgentRun>();
  for (const frame of frames) {
    if (frame.event === "snapshot") {
      view.clear();
      for (const run of (JSON.parse(frame.data) as { runs: AgentRun[] }).runs) view.set(run.id, run);
      continue;
    }
    if (frame.event === "stream.resync" || frame.event === "stream.ended") continue;
    const event = JSON.parse(frame.data) as HeadwayEvent;
    if (event.type === "run.deleted") view.delete(String((event.payload as { runId: string }).runId));
    else if (event.run && (view.get(event.run.id)?.version ?? 0) < event.run.version) view.set(event.run.id, event.run);
  }
  return view;
}

describe("a stream client's byte budget", () => {
  it("keeps what a never-reading client costs under the budget, then re-syncs it when it reads", async () => {
    const f = await setup();
    const client = await stalledClient(`${f.server.url}/_agent-native/runs/stream`, f.token);
    const samples: number[] = [];
    for (let i = 1; i <= UPDATES_PER_RUN; i++) {
      // One round: every run moves once, all at the same time, as many agents would.
      await Promise.all(
        f.runs.map((run) =>
          f.progress.updateRunProgress(run.id, "ann", { percent: i * 5, step: `item ${i}`, metadata: { PADDING, i } }),
        ),
      );
      samples.push(await f.gauge("headway_sse_backlog_bytes"));
    }
    await Promise.all(
      f.runs.map((run, r) => f.progress.completeRun(run.id, "ann", "succeeded", { step: `done ${r}` })),
    );
    samples.push(await f.gauge("headway_sse_backlog_bytes"));

    // About 22 MB were written for this client; the server held at most its budget (and one chunk in the socket).
    expect(Math.max(...samples)).toBeLessThanOrEqual(BUDGET + SLACK);
    expect(await f.gauge("headway_sse_resyncs_total")).toBeGreaterThan(0);

    client.resume();
    // A client that falls behind again during its re-sync is ended with a reason; it reconnects from its last id.
    void (async () => {
      await eventually(() => client.frames.some((frame) => frame.event === "stream.ended"), 15_000, "an end").catch(
        () => undefined,
      );
      if (!client.frames.some((frame) => frame.event === "stream.ended")) return;
      const lastId = client.frames.findLast((frame) => frame.id)?.id;
      await readStreamUntilEnd(`${f.server.url}/_agent-native/runs/stream`, f.token, client.frames, lastId);
    })();
    // Once it reads, it is told it fell behind, gets a fresh snapshot, and ends up showing no run still running.
    await eventually(
      () => {
        const resyncAt = client.frames.findIndex((frame) => frame.event === "stream.resync");
        return (
          resyncAt >= 0 &&
          client.frames[resyncAt + 1]?.event === "snapshot" &&
          [...clientView(client.frames).values()].every((run) => run.status !== "running")
        );
      },
      15_000,
      "a resync and a caught-up view",
    );
    const resync = client.frames.find((frame) => frame.event === "stream.resync");
    expect(resync && JSON.parse(resync.data)).toMatchObject({ reason: "slow_client" });
    for (const [i, run] of f.runs.entries()) {
      const shown = clientView(client.frames).get(run.id);
      if (shown) expect(shown).toMatchObject({ status: "succeeded", step: `done ${i}` });
    }
    await eventually(async () => (await f.gauge("headway_sse_backlog_bytes")) === 0, 5000, "an empty backlog");
  });

  it("leaves a client that keeps up alone: no re-sync, every update in order", async () => {
    const f = await setup();
    const frames: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => frames.push(event) });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${f.server.url}/_agent-native/runs/stream`, { headers: { Authorization: `Bearer ${f.token}` } }, resolve).on(
        "error",
        reject,
      );
    });
    onCleanup(() => {
      res.destroy();
    });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parser.feed(chunk));
    await eventually(() => frames.length >= 1, 5000, "the snapshot");
    const [run] = f.runs as [AgentRun];
    for (let i = 1; i <= 20; i++) {
      await f.progress.updateRunProgress(run.id, "ann", { percent: i, metadata: { PADDING, i } });
    }
    await eventually(() => finalStates(frames).get(run.id)?.percent === 20, 5000, "the last update");
    expect(frames.some((frame) => frame.event === "stream.resync")).toBe(false);
    expect(frames.filter((frame) => frame.event === "run.progress.updated")).toHaveLength(20);
  });
});
