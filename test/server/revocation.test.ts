import { get, type IncomingMessage } from "node:http";
import type { EventSource } from "eventsource";
import { describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, listen, onCleanup } from "./helpers.js";

/** Collects `stream.ended` events, which `listen` does not know about. */
function endedEvents(source: EventSource) {
  const ended: Array<{ code: string; message: string }> = [];
  source.addEventListener("stream.ended", (event) => ended.push(JSON.parse((event as MessageEvent).data)));
  return ended;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe("a revoked credential", () => {
  it("ends its open streams within about a second, with a reason, and they get nothing after", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const run = await f.progress.startRun({ owner: "ann", title: "watched" });
    const { token, record } = await f.tokens.create({ owner: "ann" });
    const other = await f.tokenFor("ann");
    const url = `${server.url}/_agent-native/runs/stream`;
    const revokedClient = listen(url, token);
    const keptClient = listen(url, other);
    const ended = endedEvents(revokedClient.source);
    await revokedClient.until((events) => events.some((e) => e.type === "snapshot"));
    await keptClient.until((events) => events.some((e) => e.type === "snapshot"));

    await f.tokens.revoke(record.id);
    // Bounded wait: the re-check runs every 500 ms; well within 1.5 s the stream has ended.
    expect(await waitFor(() => ended.length > 0, 1500)).toBe(true);
    expect(ended[0]).toMatchObject({ code: "credential_revoked" });

    const before = revokedClient.received.length;
    await f.progress.updateRunProgress(run.id, "ann", { percent: 50 });
    await keptClient.until((events) => events.some((e) => e.type === "run.progress.updated"));
    // Reconnecting with the revoked token is refused, so nothing more arrives on that client.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(revokedClient.received.length).toBe(before);
  });

  it("under resolveOwner, ends the stream once the host app stops vouching for the request", async () => {
    const f = fixture();
    let signedIn = true;
    const server = await startServer({
      progress: f.progress,
      port: 0,
      dashboardDir: false,
      resolveOwner: () => (signedIn ? "ann" : null),
    });
    onCleanup(() => server.close());
    const client = listen(`${server.url}/_agent-native/runs/stream`, null);
    const ended = endedEvents(client.source);
    await client.until((events) => events.some((e) => e.type === "snapshot"));
    signedIn = false;
    expect(await waitFor(() => ended.length > 0, 1500)).toBe(true);
    expect(ended[0]).toMatchObject({ code: "credential_revoked" });
  });

  it("releases the connection of a revoked client that never reads (cut after a grace period)", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.progress.startRun({ owner: "ann", title: `run ${i}` })),
    );
    const { token, record } = await f.tokens.create({ owner: "ann" });
    const clients = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^headway_sse_clients (\d+)$/m.exec(text)?.[1]);
    };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${server.url}/_agent-native/runs/stream`, { headers: { Authorization: `Bearer ${token}` } }, resolve).on(
        "error",
        reject,
      );
    });
    onCleanup(() => {
      res.destroy();
    });
    res.pause(); // never reads: the server's writes back up into the socket
    const padding = "x".repeat(15_000);
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        runs.map((run) => f.progress.updateRunProgress(run.id, "ann", { metadata: { padding, round } })),
      );
    }
    expect(await clients()).toBe(1);
    await f.tokens.revoke(record.id);
    // Re-checked within 500 ms; its last frame cannot be flushed, so the connection is cut 5 s later.
    await eventually(async () => (await clients()) === 0, 8000, "the revoked stream to be released");
  }, 15_000);
});
