import { get, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, onCleanup } from "./helpers.js";

const BASE = "/_agent-native/runs";

/** A stream read with node:http and parsed by eventsource-parser; `ended` says whether it closed cleanly. */
async function openStream(url: string, token: string) {
  const frames: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => frames.push(event) });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { headers: { Authorization: `Bearer ${token}` } }, resolve).on("error", reject);
  });
  onCleanup(() => {
    res.destroy();
  });
  const state = { ended: false, aborted: false };
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => parser.feed(chunk));
  res.on("end", () => {
    state.ended = true;
  });
  res.on("aborted", () => {
    state.aborted = true;
  });
  await eventually(() => frames.length >= 1, 5000, "the snapshot");
  return { frames, state, res };
}

describe("graceful shutdown", () => {
  it("commits pending writes, delivers them to open streams, ends the streams cleanly, then stops", async () => {
    const { progress, tokenFor } = fixture();
    const server = await startServer({ progress, port: 0, dashboardDir: false });
    const run = await progress.startRun({ owner: "ann", title: "in flight" });
    const client = await openStream(`${server.url}${BASE}/stream`, await tokenFor("ann"));

    let committed = 0;
    const writes = Array.from({ length: 200 }, (_, i) =>
      progress.updateRunProgress(run.id, "ann", { percent: i / 2, step: `write ${i}` }).then(() => {
        committed++;
      }),
    );
    await server.close();
    // Every write submitted before close() had committed by the time it resolved.
    expect(committed).toBe(200);
    await Promise.all(writes);
    expect((await progress.getRun(run.id, "ann"))?.step).toBe("write 199");

    await eventually(() => client.state.ended, 5000, "the stream to end");
    expect(client.state.aborted).toBe(false);
    const last = JSON.parse(client.frames.at(-1)!.data) as HeadwayEvent;
    expect(last.run).toMatchObject({ step: "write 199" });

    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await server.close(); // twice is harmless
  });

  it("does not wait forever for a client that stopped reading", async () => {
    const { progress, tokenFor } = fixture();
    const server = await startServer({ progress, port: 0, dashboardDir: false, shutdownGraceMs: 200 });
    const run = await progress.startRun({ owner: "ann", title: "noisy" });
    const client = await openStream(`${server.url}${BASE}/stream`, await tokenFor("ann"));
    client.res.pause();
    const padding = "x".repeat(8000);
    for (let i = 0; i < 1500; i++) {
      await progress.updateRunProgress(run.id, "ann", { percent: i % 100, metadata: { padding, i } });
    }
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
