import { get, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, onCleanup } from "./helpers.js";

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
    expect(Math.max(...samples)).toBeGreaterThan(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(BUDGET + SLACK);
    expect(await f.gauge("headway_sse_resyncs_total")).toBeGreaterThan(0);

    client.resume();
    await eventually(
      () => [...finalStates(client.frames).values()].filter((run) => run.status === "succeeded").length === RUNS,
      15_000,
      "every final state",
    );
    const resync = client.frames.find((frame) => frame.event === "stream.resync");
    expect(resync && JSON.parse(resync.data)).toMatchObject({ reason: "slow_client" });
    for (const [i, run] of f.runs.entries()) {
      expect(finalStates(client.frames).get(run.id)).toMatchObject({ status: "succeeded", step: `done ${i}` });
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
