import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { createProgress } from "../../src/progress/index.js";
import { type StartServerOptions, startServer } from "../../src/server/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, fixture, listen, onCleanup, type ReceivedEvent } from "./helpers.js";

const BASE = "/_agent-native/runs";

async function serve(options: Partial<StartServerOptions> = {}) {
  const f = fixture();
  const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false, ...options });
  onCleanup(() => server.close());
  return { ...f, server, stream: `${server.url}${BASE}/stream` };
}

const snapshotRuns = (e: ReceivedEvent) => (e.data as { runs: AgentRun[] }).runs;
const envelope = (e: ReceivedEvent) => e.data as HeadwayEvent;

describe("the live stream, over a real socket with a real SSE client", () => {
  it("opens with a snapshot of the owner's active runs, then carries each change with its id", async () => {
    const { progress, stream, tokenFor } = await serve();
    const active = await progress.startRun({ owner: "ann", title: "Triage 128 unread emails" });
    const done = await progress.startRun({ owner: "ann", title: "finished" });
    await progress.completeRun(done.id, "ann", "succeeded");
    await progress.startRun({ owner: "bob", title: "bob's" });

    const client = listen(stream, await tokenFor("ann"));
    const [snapshot] = await client.until((events) => events.length >= 1, 5000, "the snapshot");
    expect(snapshot?.type).toBe("snapshot");
    expect(snapshotRuns(snapshot!).map((run) => run.title)).toEqual(["Triage 128 unread emails"]);

    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event), { owner: "ann" });
    await progress.updateRunProgress(active.id, "ann", { percent: 45, step: "classifying 58/128" });
    const received = await client.until((all) => all.length >= 2, 5000, "the update");
    const update = received[1]!;
    expect(update.type).toBe("run.progress.updated");
    expect(update.id).toBe(events[0]?.id);
    expect(envelope(update)).toEqual(JSON.parse(JSON.stringify(events[0])));
    expect(envelope(update).run).toMatchObject({ percent: 45, step: "classifying 58/128", version: 2 });
  });

  it("never carries another owner's events, nor the snapshot of them", async () => {
    const { progress, stream, tokenFor } = await serve();
    const annRun = await progress.startRun({ owner: "ann", title: "ann's" });
    const bobRun = await progress.startRun({ owner: "bob", title: "bob's" });
    const ann = listen(stream, await tokenFor("ann"));
    const bob = listen(stream, await tokenFor("bob"));
    await ann.until((e) => e.length === 1);
    await bob.until((e) => e.length === 1);
    for (let i = 1; i <= 5; i++) {
      await progress.updateRunProgress(bobRun.id, "bob", { percent: i * 10 });
      await progress.updateRunProgress(annRun.id, "ann", { percent: i * 10 });
    }
    await progress.deleteRun(bobRun.id, "bob");
    await progress.updateRunProgress(annRun.id, "ann", { step: "last" });
    await ann.until((e) => e.some((x) => envelope(x).run?.step === "last"), 5000, "ann's last update");
    await bob.until((e) => e.some((x) => x.type === "run.deleted"), 5000, "bob's deletion");
    const owners = (events: ReceivedEvent[]) =>
      new Set(
        events.flatMap((e) => (e.type === "snapshot" ? snapshotRuns(e).map((r) => r.owner) : [envelope(e).owner])),
      );
    expect(owners(ann.received)).toEqual(new Set(["ann"]));
    expect(owners(bob.received)).toEqual(new Set(["bob"]));
    expect(JSON.stringify(ann.received)).not.toContain(bobRun.id);
  });

  it("takes the token as ?token= for browsers' EventSource, and answers 401 without one", async () => {
    const { progress, stream, tokenFor } = await serve();
    await progress.startRun({ owner: "ann", title: "visible" });
    const token = await tokenFor("ann");
    const client = listen(`${stream}?token=${encodeURIComponent(token)}`, null);
    const [snapshot] = await client.until((e) => e.length >= 1);
    expect(snapshotRuns(snapshot!).map((r) => r.title)).toEqual(["visible"]);

    const res = await fetch(stream);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toContain("headway tokens create --owner you@example.com");
    expect((await fetch(`${stream}?token=hw_wrong`)).status).toBe(401);
  });

  it("narrows to one run and its children with ?run=", async () => {
    const { progress, stream, tokenFor } = await serve();
    const parent = await progress.startRun({ owner: "ann", title: "Classify 200 documents" });
    const child = await progress.startRun({ owner: "ann", title: "batch 1", parentId: parent.id });
    const other = await progress.startRun({ owner: "ann", title: "unrelated" });
    const client = listen(`${stream}?run=${parent.id}`, await tokenFor("ann"));
    const [snapshot] = await client.until((e) => e.length >= 1);
    expect(snapshotRuns(snapshot!).map((r) => r.title)).toEqual(["Classify 200 documents", "batch 1"]);

    await progress.updateRunProgress(other.id, "ann", { percent: 50 });
    const late = await progress.startRun({ owner: "ann", title: "batch 2", parentId: parent.id });
    await progress.updateRunProgress(child.id, "ann", { percent: 50 });
    await progress.deleteRun(late.id, "ann");
    await client.until((e) => e.some((x) => x.type === "run.deleted"), 5000, "the child's deletion");
    const ids = new Set(client.received.slice(1).map((e) => (envelope(e).payload as { runId: string }).runId));
    expect(ids.has(other.id)).toBe(false);
    expect(ids).toEqual(new Set([parent.id, child.id, late.id]));
  });

  it("resumes from Last-Event-ID: replays the current state of what changed, then goes live", async () => {
    const { progress, stream, tokenFor } = await serve();
    const token = await tokenFor("ann");
    const a = await progress.startRun({ owner: "ann", title: "a" });
    const b = await progress.startRun({ owner: "ann", title: "b" });
    const c = await progress.startRun({ owner: "ann", title: "c" });
    const first = listen(stream, token);
    await first.until((e) => e.length >= 1);
    await progress.updateRunProgress(a.id, "ann", { percent: 10 });
    const [, seen] = await first.until((e) => e.length >= 2);
    first.source.close();

    // While the client is away: many updates of a, b finishes, c is deleted, d starts; bob works too.
    for (let i = 2; i <= 9; i++) await progress.updateRunProgress(a.id, "ann", { percent: i * 10 });
    await progress.completeRun(b.id, "ann", "failed", { step: "quota exceeded" });
    await progress.deleteRun(c.id, "ann");
    const d = await progress.startRun({ owner: "ann", title: "d" });
    await progress.startRun({ owner: "bob", title: "bob's" });

    const second = listen(stream, token, { "Last-Event-ID": seen!.id });
    await second.until((e) => e.some((x) => x.type === "run.deleted"), 5000, "the replay");
    expect(second.received.some((e) => e.type === "snapshot")).toBe(false);
    const latest = new Map<string, AgentRun>();
    for (const e of second.received) {
      const run = envelope(e).run;
      if (run) latest.set(run.id, run);
    }
    expect(latest.get(a.id)).toMatchObject({ percent: 90 });
    expect(latest.get(b.id)).toMatchObject({ status: "failed", step: "quota exceeded" });
    expect(latest.get(d.id)).toMatchObject({ title: "d", status: "running" });
    expect([...latest.values()].every((run) => run.owner === "ann")).toBe(true);
    expect(second.received.filter((e) => e.type === "run.deleted").map((e) => envelope(e).payload)).toEqual([
      { runId: c.id },
    ]);
    // Coalesced: one frame per changed run, not one per missed write.
    expect(second.received.filter((e) => envelope(e).run?.id === a.id)).toHaveLength(1);

    await progress.updateRunProgress(d.id, "ann", { step: "live again" });
    await second.until((e) => e.some((x) => envelope(x).run?.step === "live again"), 5000, "the live update");
  });

  it("sends a fresh snapshot when Last-Event-ID is unknown, too old, or ahead of the store", async () => {
    const path = tempDatabasePath();
    // A tiny change log, and no fsync, so the log is trimmed after a thousand quick commits.
    const progress = createProgress({
      databaseUrl: path,
      sweepIntervalMs: 0,
      storeOptions: { changeLogLimit: 5, synchronous: "OFF" },
    });
    onCleanup(() => progress.close());
    const server = await startServer({ progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const token = (await progress.backend.tokens.create({ owner: "ann" })).token;
    const run = await progress.startRun({ owner: "ann", title: "long" });
    for (let i = 0; i < 1000; i++) await progress.heartbeat(run.id, "ann");
    const stream = `${server.url}${BASE}/stream`;
    for (const lastEventId of ["1-0", "not-an-id", "999999999-0"]) {
      const client = listen(stream, token, { "Last-Event-ID": lastEventId });
      const [first] = await client.until((e) => e.length >= 1, 5000, `the opening after ${lastEventId}`);
      expect([lastEventId, first?.type]).toEqual([lastEventId, "snapshot"]);
      expect(snapshotRuns(first!).map((r) => r.id)).toEqual([run.id]);
      client.source.close();
    }
  });

  it("reconnects by itself after the server restarts and catches up on what it missed", async () => {
    const f = fixture();
    const first = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
    const port = first.port;
    const run = await f.progress.startRun({ owner: "ann", title: "survives restarts" });
    const client = listen(`${first.url}${BASE}/stream`, await f.tokenFor("ann"));
    await client.until((e) => e.length >= 1);
    await first.close();
    await f.progress.updateRunProgress(run.id, "ann", { percent: 77, step: "written while the server was down" });
    const second = await startServer({ progress: f.progress, port, dashboardDir: false });
    onCleanup(() => second.close());
    const events = await client.until(
      (e) => e.some((x) => envelope(x).run?.percent === 77),
      10_000,
      "the missed update after reconnecting",
    );
    expect(events.filter((e) => e.type === "snapshot")).toHaveLength(1);
  });

  it("forgets a client that leaves: its subscription and its stream are gone", async () => {
    const { progress, server, stream, tokenFor } = await serve();
    const baseline = progress.bus.listenerCount;
    const token = await tokenFor("ann");
    const clients = [listen(stream, token), listen(stream, token), listen(`${stream}?token=${token}`, null)];
    for (const client of clients) await client.until((e) => e.length >= 1);
    const gauge = async () =>
      Number(/^headway_sse_clients (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
    expect(await gauge()).toBe(3);
    expect(progress.bus.listenerCount).toBe(baseline + 3);
    for (const client of clients) client.source.close();
    await eventually(async () => (await gauge()) === 0, 5000, "the streams to close");
    expect(progress.bus.listenerCount).toBe(baseline);
  });

  it("sends keep-alive comments on an idle stream", async () => {
    const { stream, tokenFor } = await serve({ keepAliveMs: 50 });
    const res = await fetch(stream, { headers: { Authorization: `Bearer ${await tokenFor("ann")}` } });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = res.body!.getReader();
    let text = "";
    await eventually(
      async () => {
        text += new TextDecoder().decode((await reader.read()).value);
        return text.includes(": keep-alive\n\n");
      },
      5000,
      "a keep-alive comment",
    );
    expect(text.startsWith("event: snapshot\n")).toBe(true);
    await reader.cancel();
  });
});
