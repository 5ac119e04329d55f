/**
 * Notifications over HTTP and SSE, and the built-in rules, against a real
 * server and a real EventSource client: a run that fails, is abandoned by the
 * watchdog, or waits for a person produces one notification for its owner
 * only, live on the stream and in the list.
 */
import { describe, expect, it } from "vitest";
import { notifyOnOutcomes } from "../../src/notifications/index.js";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";
import { eventually, fixture, listen, onCleanup } from "../server/helpers.js";

async function serve(f: ReturnType<typeof fixture>) {
  const server = await startServer({ progress: f.progress, port: 0, dashboardDir: false });
  onCleanup(() => server.close());
  return server;
}

const api = (url: string, token: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });

describe("notifications over HTTP and SSE", () => {
  it("lists, pages and marks read for the owner only; another owner's notification is a 404", async () => {
    const f = fixture();
    const server = await serve(f);
    const [ann, bob] = [await f.tokenFor("ann"), await f.tokenFor("bob")];
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await f.progress.notify("ann", { title: `n${i}`, severity: "info" }));
    await f.progress.notify("bob", { title: "bob's" });
    const base = `${server.url}/_agent-native/notifications`;

    const page = await (await api(`${base}?limit=2`, ann)).json();
    expect(page).toMatchObject({ unreadCount: 3, nextBefore: made[1]?.id });
    expect(page.notifications.map((n: { title: string }) => n.title)).toEqual(["n2", "n1"]);
    const rest = await (await api(`${base}?limit=2&before=${page.nextBefore}`, ann)).json();
    expect(rest.notifications.map((n: { title: string }) => n.title)).toEqual(["n0"]);

    const foreign = await api(`${base}/${made[0]?.id}/read`, bob, { method: "POST" });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: "notification_not_found" } });
    const read = await api(`${base}/${made[0]?.id}/read`, ann, { method: "POST" });
    expect(read.status).toBe(200);
    expect((await read.json()).notification).toMatchObject({ id: made[0]?.id, readAt: expect.any(String) });
    expect(await (await api(`${base}?unread=true`, ann)).json()).toMatchObject({ unreadCount: 2 });
    expect(await (await api(`${base}/read-all`, ann, { method: "POST" })).json()).toEqual({ marked: 2 });
    expect(await (await api(base, bob)).json()).toMatchObject({ unreadCount: 1, notifications: [{ title: "bob's" }] });

    const bad = await api(`${base}?limit=0`, ann);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/limit: must be at least 1/);
    expect((await fetch(base)).status).toBe(401);
  });

  it("pushes notification.created live to the owner's stream, not to another owner's", async () => {
    const f = fixture();
    const server = await serve(f);
    const url = `${server.url}/_agent-native/runs/stream`;
    const annStream = listen(url, await f.tokenFor("ann"));
    const bobStream = listen(url, await f.tokenFor("bob"));
    await annStream.until((events) => events.some((e) => e.type === "snapshot"));
    await bobStream.until((events) => events.some((e) => e.type === "snapshot"));
    const created = await f.progress.notify("ann", { title: "Build finished", severity: "info" });
    const events = await annStream.until((all) => all.some((e) => e.type === "notification.created"));
    const frame = events.find((e) => e.type === "notification.created");
    expect(frame?.data).toMatchObject({ type: "notification.created", owner: "ann", payload: created });
    expect(frame?.id).toMatch(/^\d+-\d+$/);
    await f.progress.notify("bob", { title: "for bob" });
    await bobStream.until((all) => all.some((e) => e.type === "notification.created"));
    expect(bobStream.received.filter((e) => e.type === "notification.created")).toHaveLength(1);
    expect(annStream.received.filter((e) => e.type === "notification.created")).toHaveLength(1);
  });
});

describe("notifications on a resumed stream", () => {
  it("replays the notifications a client missed, once each, after Last-Event-ID", async () => {
    const f = fixture();
    const server = await serve(f);
    const url = `${server.url}/_agent-native/runs/stream`;
    const token = await f.tokenFor("ann");
    const first = listen(url, token);
    await first.until((events) => events.some((e) => e.type === "snapshot"));
    await f.progress.notify("ann", { title: "seen live" });
    const live = await first.until((events) => events.some((e) => e.type === "notification.created"));
    const lastSeen = live.at(-1)?.id as string;
    first.source.close();

    const run = await f.progress.startRun({ owner: "ann", title: "while away" });
    await f.progress.notify("ann", { title: "missed 1", runId: run.id });
    await f.progress.notify("bob", { title: "not ann's" });
    await f.progress.notify("ann", { title: "missed 2" });
    const resumed = listen(url, token, { "Last-Event-ID": lastSeen });
    await resumed.until((events) => events.filter((e) => e.type === "notification.created").length >= 2);
    await resumed.until((events) => events.some((e) => e.type === "run.progress.updated"));
    const titles = resumed.received
      .filter((e) => e.type === "notification.created")
      .map((e) => (e.data as { payload: { title: string } }).payload.title);
    expect(titles).toEqual(["missed 1", "missed 2"]);
    expect(resumed.received.some((e) => e.type === "snapshot")).toBe(false);
  });
});

describe("built-in rules", () => {
  it("tell the owner once when a run fails, waits for them, or is abandoned; never for a success", async () => {
    const f = fixture({ watchdog: { staleAfterMs: 50, abandonAfterMs: 150, intervalMs: 20 } });
    const rules = notifyOnOutcomes(f.progress, { intervalMs: 20 });
    onCleanup(() => rules.close());
    await rules.idle(); // a reader new to the database starts at the feed as it is now
    const { progress } = f;
    const failing = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    const ok = await progress.startRun({ owner: "ann", title: "Fine" });
    // Waiting for a person is no reason to be abandoned: this run allows itself a long silence.
    const patient = { staleAfterMs: 60_000, abandonAfterMs: 120_000 };
    const asking = await progress.startRun({ owner: "ann", title: "Deploy", metadata: patient });
    await progress.updateRunProgress(asking.id, "ann", { state: "action_required", step: "Approve the deploy?" });
    await progress.updateRunProgress(asking.id, "ann", { percent: 10 }); // still the same question
    await progress.completeRun(failing.id, "ann", "failed", { step: "Google said 403" });
    await progress.completeRun(ok.id, "ann", "succeeded");
    const silent = await progress.startRun({ owner: "bob", title: "Crawl" });

    await eventually(async () => (await progress.listNotifications("bob")).notifications.length === 1, 5000, "abandon");
    await eventually(async () => (await progress.listNotifications("ann")).notifications.length === 2, 5000, "rules");
    await rules.idle();
    const ann = (await progress.listNotifications("ann")).notifications;
    expect(ann.map((n) => [n.title, n.severity, n.source]).sort()).toEqual([
      ["Failed: Sync 3 calendars", "critical", "rule:run-failed"],
      ["Needs you: Deploy", "warning", "rule:action-required"],
    ]);
    expect(ann.find((n) => n.source === "rule:run-failed")).toMatchObject({
      runId: failing.id,
      body: "Google said 403",
    });
    const [bob] = (await progress.listNotifications("bob")).notifications;
    expect(bob).toMatchObject({ title: "Abandoned: Crawl", runId: silent.id, source: "rule:run-abandoned" });
    expect(bob?.body).toMatch(/^Abandoned after 1 minute without progress/);

    // A new question is a new notification; the same one again is not.
    await progress.updateRunProgress(asking.id, "ann", { step: "Approve the migration?" });
    await eventually(async () => (await progress.listNotifications("ann")).notifications.length === 3, 5000, "2nd ask");
  });

  it("take commits from this process's publisher, reading no page of the log while it publishes every one", async () => {
    const f = fixture();
    const rules = notifyOnOutcomes(f.progress, { intervalMs: 60_000 });
    onCleanup(() => rules.close());
    await rules.idle();
    const store = f.progress.store;
    const readFeed = store.readFeed.bind(store);
    let pagesRead = 0;
    store.readFeed = (after, limit) => {
      pagesRead++;
      return readFeed(after, limit);
    };
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.progress.startRun({ owner: "ann", title: `job ${i}` })),
    );
    await Promise.all(runs.map((run, i) => f.progress.updateRunProgress(run.id, "ann", { percent: i })));
    await f.progress.completeRun(runs[7]?.id as string, "ann", "failed", { step: "out of memory" });
    await eventually(async () => (await f.progress.listNotifications("ann")).notifications.length === 1);
    expect((await f.progress.listNotifications("ann")).notifications[0]).toMatchObject({ title: "Failed: job 7" });
    expect(pagesRead).toBe(0);
  });

  it("announce a failure that happened while no server ran, once, even with two servers reading", async () => {
    const f = fixture();
    const run = await f.progress.startRun({ owner: "ann", title: "Nightly export" });
    // The rules have read the feed before (their cursor is stored), then stop.
    const first = notifyOnOutcomes(f.progress, { intervalMs: 20 });
    await first.idle();
    await first.close();
    await f.progress.completeRun(run.id, "ann", "failed", { step: "disk full" });

    // Two servers on the same file start; each runs the rules.
    const other = createProgress({ databaseUrl: f.path, sweepIntervalMs: 0 });
    onCleanup(() => other.close());
    const a = notifyOnOutcomes(f.progress, { intervalMs: 10 });
    const b = notifyOnOutcomes(other, { intervalMs: 10 });
    onCleanup(() => a.close());
    onCleanup(() => b.close());
    await eventually(async () => (await f.progress.listNotifications("ann")).notifications.length >= 1);
    await Promise.all([a.idle(), b.idle()]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const list = (await other.listNotifications("ann")).notifications;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ title: "Failed: Nightly export", body: "disk full" });
  });
});
