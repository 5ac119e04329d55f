import { get, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, onCleanup, readStreamUntilEnd } from "./helpers.js";

const RUNS = 10;
const UPDATES_PER_RUN = 300;
/** Big frames, so the socket's buffers fill long before the updates run out. */
const PADDING = "x".repeat(8000);

async function setup(maxPendingEvents?: number) {
  const f = fixture();
  const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false, maxPendingEvents });
  onCleanup(() => server.close());
  const runs: AgentRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await f.progress.startRun({ owner: "ann", title: `run ${i}` }));
  const token = await f.tokenFor("ann");
  const backlog = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^headway_sse_backlog_events (\d+)$/m.exec(text)?.[1]);
  };
  return { ...f, server, runs, token, backlog };
}

/** Opens the stream with node:http and stops reading once the snapshot arrived: the socket fills, TCP pushes back. */
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

async function publishAll(f: Awaited<ReturnType<typeof setup>>, sample: () => Promise<void>) {
  // Each run writes its updates in order; runs run side by side, like agents do.
  await Promise.all(
    f.runs.map(async (run, r) => {
      for (let i = 1; i <= UPDATES_PER_RUN; i++) {
        await f.progress.updateRunProgress(run.id, "ann", {
          percent: (i / UPDATES_PER_RUN) * 99,
          step: `item ${i}`,
          metadata: { padding: PADDING, i },
        });
        if (r === 0 && i % 50 === 0) await sample();
      }
      await f.progress.completeRun(run.id, "ann", "succeeded", { step: `done ${r}` });
    }),
  );
}

function finalStates(frames: EventSourceMessage[]): Map<string, AgentRun> {
  const latest = new Map<string, AgentRun>();
  for (const frame of frames.slice(1)) {
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

describe("a client that stops reading", () => {
  it("costs the server at most the latest state per run, and still gets every final state", async () => {
    const f = await setup();
    const client = await stalledClient(`${f.server.url}/_agent-native/runs/stream`, f.token);
    const samples: number[] = [];
    await publishAll(f, async () => {
      samples.push(await f.backlog());
    });
    samples.push(await f.backlog());
    // The socket pushed back (a backlog formed), and it never grew past one state plus one terminal per run.
    expect(Math.max(...samples)).toBeGreaterThan(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(RUNS * 2);

    client.resume();
    await eventually(
      () =>
        finalStates(client.frames).size === RUNS &&
        [...finalStates(client.frames).values()].every((r) => r.status === "succeeded"),
      15_000,
      "every final state",
    );
    const published = RUNS * (UPDATES_PER_RUN + 1);
    const delivered = client.frames.length - 1;
    // Superseded states were dropped, not queued: far fewer frames than writes.
    expect(delivered).toBeLessThan(published);
    for (const [i, run] of f.runs.entries()) {
      expect(finalStates(client.frames).get(run.id)).toMatchObject({
        status: "succeeded",
        percent: 100,
        step: `done ${i}`,
      });
    }
    expect(await f.backlog()).toBe(0);
  });

  it("past maxPendingEvents, is re-synced with a fresh snapshot instead of queued", async () => {
    const f = await setup(3);
    const client = await stalledClient(`${f.server.url}/_agent-native/runs/stream`, f.token);
    const samples: number[] = [];
    await publishAll(f, async () => {
      samples.push(await f.backlog());
    });
    expect(Math.max(...samples)).toBeLessThanOrEqual(3);
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
    // Every run ended: the client, once caught up, shows none of them still running, and any it shows has its final state.
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
      "a caught-up view",
    );
    expect(client.frames.some((frame) => frame.event === "stream.resync")).toBe(true);
    const resyncAt = client.frames.findIndex((frame) => frame.event === "stream.resync");
    expect(client.frames[resyncAt + 1]?.event).toBe("snapshot");
    for (const [i, run] of f.runs.entries()) {
      const shown = clientView(client.frames).get(run.id);
      if (shown) expect(shown).toMatchObject({ status: "succeeded", step: `done ${i}` });
    }
  });
});
