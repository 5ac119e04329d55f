import { describe, expect, it } from "vitest";
import { createHeadwayClient, HeadwayClientError, type HeadwayNotification } from "../../src/client/index.js";
import { onCleanup } from "../server/helpers.js";
import { waitFor } from "./helpers.js";
import { serveNotificationsContract, serveWithRules } from "./notifications-fake.js";

describe("the client's notifications calls, against the contract", () => {
  it("lists newest first with the unread count, pages with before, marks one and all read", async () => {
    const fake = await serveNotificationsContract();
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    expect(await client.listNotifications()).toEqual({ notifications: [], unreadCount: 0, nextBefore: null });
    const first = fake.notify({ title: "Failed: Sync 3 calendars", severity: "critical", runId: "r1" });
    fake.notify({ title: "Needs you: Approve refunds", severity: "warning" });
    const third = fake.notify({ title: "Nightly export is slow" });

    const page = await client.listNotifications({ limit: 2 });
    expect(page.notifications.map((n) => n.title)).toEqual(["Nightly export is slow", "Needs you: Approve refunds"]);
    expect(page.unreadCount).toBe(3);
    expect(page.nextBefore).not.toBeNull();
    const older = await client.listNotifications({ limit: 2, before: page.nextBefore! });
    expect(older.notifications.map((n) => n.id)).toEqual([first.id]);
    expect(fake.requests).toContain(`GET /_agent-native/notifications?limit=2&before=${page.nextBefore}`);

    const read = await client.markNotificationRead(third.id);
    expect(read?.readAt).toEqual(expect.any(String));
    expect((await client.listNotifications({ unread: true })).notifications.map((n) => n.id)).not.toContain(third.id);
    expect(await client.markNotificationRead("nope")).toBeNull();
    expect(await client.markAllNotificationsRead()).toBe(2);
    expect((await client.listNotifications()).unreadCount).toBe(0);
  });

  it("says what is wrong with a body that is not a notifications page, and passes refusals on", async () => {
    const fake = await serveNotificationsContract();
    const odd = createHeadwayClient({
      baseUrl: fake.url,
      token: fake.token,
      fetch: async () => Response.json([{ id: "x" }]),
    });
    await expect(odd.listNotifications()).rejects.toMatchObject({ code: "unexpected_response" });
    const refused = createHeadwayClient({ baseUrl: fake.url, token: "bad" });
    const error = await refused.listNotifications().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadwayClientError);
    expect((error as HeadwayClientError).status).toBe(401);
  });

  it("takes notificationsPath for a server that mounts them elsewhere", async () => {
    const urls: string[] = [];
    const client = createHeadwayClient({
      baseUrl: "http://example.test/",
      notificationsPath: "api/notices/",
      fetch: async (input) => {
        urls.push(String(input));
        return Response.json({ marked: 0 });
      },
    });
    await client.markAllNotificationsRead();
    expect(urls).toEqual(["http://example.test/api/notices/read-all"]);
  });
});

describe("notifications, live", () => {
  it("delivers notification.created from the stream to onNotification, once each", async () => {
    const fake = await serveNotificationsContract();
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    const got: HeadwayNotification[] = [];
    const updates: string[] = [];
    const subscription = client.subscribe((update) => updates.push(update.kind), {
      onNotification: (n) => got.push(n),
    });
    onCleanup(() => subscription.close());
    await waitFor(() => subscription.status === "live" && fake.streams.size === 1, "the stream");
    const sent = fake.notify({ title: "Failed: Sync 3 calendars", severity: "critical", runId: "r1" });
    await waitFor(() => got.length === 1, "the notification");
    expect(got[0]).toEqual(sent);
    // The run handler sees the envelope too (applyRunUpdate ignores it).
    expect(updates).toEqual(["snapshot", "event"]);
  });

  it("subscribeNotifications follows notifications alone; while the stream is down it polls the list for new ones", async () => {
    const fake = await serveNotificationsContract({ stream: false });
    fake.notify({ title: "An old one, there before we listened" });
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    const got: string[] = [];
    const subscription = client.subscribeNotifications((n) => got.push(n.title), { pollMs: 50 });
    onCleanup(() => subscription.close());
    await waitFor(() => subscription.status === "polling", "polling");
    await waitFor(
      () => fake.requests.filter((r) => r.startsWith("GET /_agent-native/notifications")).length >= 2,
      "polls",
    );
    fake.notify({ title: "Failed: Sync 3 calendars" });
    fake.notify({ title: "Needs you: Approve refunds" });
    await waitFor(() => got.length === 2, "the new notifications");
    // Oldest first, the old one never, and runs are not polled by a notifications-only subscription.
    expect(got).toEqual(["Failed: Sync 3 calendars", "Needs you: Approve refunds"]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(got).toHaveLength(2);
    expect(fake.requests.some((r) => r.startsWith("GET /_agent-native/runs?"))).toBe(false);
  });

  it("hands each polled page (with the unread count) to onNotificationPage", async () => {
    const fake = await serveNotificationsContract();
    fake.notify({ title: "One" });
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    const counts: number[] = [];
    const subscription = client.subscribe(() => {}, {
      transport: "poll",
      pollMs: 40,
      onNotificationPage: (page) => counts.push(page.unreadCount),
    });
    onCleanup(() => subscription.close());
    await waitFor(() => counts.length >= 1, "a page");
    expect(counts[0]).toBe(1);
    await client.markAllNotificationsRead();
    await waitFor(() => counts.at(-1) === 0, "the count after marking all read");
  });

  it("keeps polling runs against a server without notifications (404), and stops asking it for them", async () => {
    const fake = await serveNotificationsContract();
    const seen: string[] = [];
    const client = createHeadwayClient({
      baseUrl: fake.url,
      token: fake.token,
      fetch: async (input, init) => {
        seen.push(String(input));
        if (String(input).includes("/notifications")) {
          return Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 });
        }
        return fetch(input, init);
      },
    });
    const statuses: string[] = [];
    const subscription = client.subscribe(() => {}, {
      transport: "poll",
      pollMs: 30,
      onNotification: () => {},
      onStatus: (s) => statuses.push(s),
    });
    onCleanup(() => subscription.close());
    await waitFor(() => seen.filter((u) => u.includes("/runs?")).length >= 4, "several polls");
    expect(seen.filter((u) => u.includes("/notifications"))).toHaveLength(1);
    expect(statuses).not.toContain("error");
  });
});

describe("notifications against a real server", () => {
  it("lists, marks and follows live what the library's notify and the built-in rules create", async () => {
    const { progress, server, tokenFor } = await serveWithRules();
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    await progress.notify("ann", { title: "Before we listened" });
    await progress.notify("bob", { title: "bob's" });
    const got: HeadwayNotification[] = [];
    const subscription = client.subscribe(() => {}, { onNotification: (n) => got.push(n) });
    onCleanup(() => subscription.close());
    await waitFor(() => subscription.status === "live", "the stream");

    const run = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    await progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503" });
    await waitFor(() => got.length === 1, "the rule's notification", 10_000);
    expect(got[0]).toMatchObject({
      title: "Failed: Sync 3 calendars",
      body: "Calendar API returned 503",
      severity: "critical",
      runId: run.id,
      source: "rule:run-failed",
      readAt: null,
    });

    const page = await client.listNotifications();
    expect(page.notifications.map((n) => n.title)).toEqual(["Failed: Sync 3 calendars", "Before we listened"]);
    expect(page.unreadCount).toBe(2);
    expect((await client.markNotificationRead(got[0]!.id))?.readAt).toEqual(expect.any(String));
    expect(await client.markAllNotificationsRead()).toBe(1);
    expect((await progress.listNotifications("ann")).unreadCount).toBe(0);
    expect((await progress.listNotifications("bob")).unreadCount).toBe(1);
  });

  it("while polling, delivers what was created since it started, once", async () => {
    const { progress, server, tokenFor } = await serveWithRules();
    await progress.notify("ann", { title: "Old" });
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const got: string[] = [];
    const subscription = client.subscribe(() => {}, {
      transport: "poll",
      pollMs: 50,
      onNotification: (n) => got.push(n.title),
    });
    onCleanup(() => subscription.close());
    await waitFor(() => subscription.status === "polling", "polling");
    await new Promise((resolve) => setTimeout(resolve, 120));
    await progress.notify("ann", { title: "New", severity: "warning" });
    await waitFor(() => got.length === 1, "the new notification");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toEqual(["New"]);
  });
});
