/**
 * notify() on every backend: stored, on the change feed as `notification.created`
 * (to this process and to another connection reading the log), listed newest
 * first with the unread count, marked read, owner-scoped, deduplicated by key.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type HeadwayEvent, ValidationError } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { envelopesOf } from "../../src/store/index.js";
import { BACKENDS } from "../store/backends.js";

const open: Progress[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((progress) => progress.close()));
});

describe.each(BACKENDS)("notifications on $name", (backend) => {
  function pair() {
    const database = backend.database();
    const make = () => {
      const progress = createProgress({ backend: database.open(), sweepIntervalMs: 0 });
      open.push(progress);
      return progress;
    };
    return { a: make(), b: make() };
  }

  it("stores a notification, publishes it on the feed, and lists it for its owner only", async () => {
    const { a, b } = pair();
    const seen: HeadwayEvent[] = [];
    a.subscribe((event) => seen.push(event), { owner: "ann" });
    const run = await a.startRun({ owner: "ann", title: "Sync 3 calendars" });
    const created = await a.notify("ann", { title: "Sync done", body: "3 calendars", severity: "info", runId: run.id });
    expect(created).toMatchObject({
      owner: "ann",
      title: "Sync done",
      body: "3 calendars",
      runId: run.id,
      readAt: null,
    });
    await a.flush();
    const event = seen.find((e) => e.type === "notification.created");
    expect(event).toMatchObject({ owner: "ann", payload: { id: created?.id, title: "Sync done" } });
    expect(event?.id).toMatch(/^\d+-\d+$/);

    // Another connection reads the same notification back from the log.
    const page = await b.store.readFeed(0, 100);
    const replayed = page.commits.flatMap(envelopesOf).filter((e) => e.type === "notification.created");
    expect(replayed).toEqual([expect.objectContaining({ owner: "ann", payload: created })]);

    expect(await b.listNotifications("ann")).toMatchObject({
      notifications: [created],
      unreadCount: 1,
      nextBefore: null,
    });
    expect(await b.listNotifications("bob")).toMatchObject({ notifications: [], unreadCount: 0 });
    expect(await b.markNotificationRead("bob", created?.id as string)).toBeNull();
    expect((await b.listNotifications("ann")).unreadCount).toBe(1);
  });

  it("pages newest first, filters unread, marks one and all read", async () => {
    const { a } = pair();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await a.notify("ann", { title: `n${i}`, severity: "warning" }));
    const first = await a.listNotifications("ann", { limit: 2 });
    expect(first.notifications.map((n) => n.title)).toEqual(["n4", "n3"]);
    const second = await a.listNotifications("ann", { limit: 2, before: first.nextBefore as string });
    expect(second.notifications.map((n) => n.title)).toEqual(["n2", "n1"]);
    const last = await a.listNotifications("ann", { limit: 2, before: second.nextBefore as string });
    expect(last).toMatchObject({ notifications: [{ title: "n0" }], nextBefore: null });

    const read = await a.markNotificationRead("ann", made[2]?.id as string);
    expect(read?.readAt).toEqual(expect.any(String));
    const again = await a.markNotificationRead("ann", made[2]?.id as string);
    expect(again?.readAt).toBe(read?.readAt); // the first time stays
    const unread = await a.listNotifications("ann", { unread: true });
    expect(unread.notifications.map((n) => n.title)).toEqual(["n4", "n3", "n1", "n0"]);
    expect(unread.unreadCount).toBe(4);
    expect(await a.markAllNotificationsRead("ann")).toBe(4);
    expect((await a.listNotifications("ann")).unreadCount).toBe(0);
  });

  it("creates a notification with a dedupe key once, whichever connection tries, however often", async () => {
    const { a, b } = pair();
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).notify("ann", { title: "Once", dedupeKey: "rule:x:1" })),
    );
    expect(tries.filter((n) => n !== null)).toHaveLength(1);
    // The same key is another owner's to use too.
    expect(await a.notify("bob", { title: "Once", dedupeKey: "rule:x:1" })).not.toBeNull();
    expect((await a.listNotifications("ann")).notifications).toHaveLength(1);
    const feed = await b.store.readFeed(0, 100);
    expect(feed.commits.flatMap(envelopesOf).filter((e) => e.type === "notification.created")).toHaveLength(2);
  });

  it("refuses bad input with the field and the limit, and a run that is not the owner's, storing nothing", async () => {
    const { a } = pair();
    const bobs = await a.startRun({ owner: "bob", title: "Bob's" });
    await expect(a.notify("ann", { title: "" })).rejects.toThrow(/title: must not be empty/);
    await expect(a.notify("ann", { title: "x".repeat(201) })).rejects.toThrow(/title: must be at most 200 characters/);
    await expect(a.notify("ann", { title: "t", body: "x".repeat(2001) })).rejects.toThrow(
      /body: must be at most 2000 characters/,
    );
    await expect(a.notify("ann", { title: "t", severity: "loud" as "info" })).rejects.toThrow(
      /severity: must be one of info, warning, critical/,
    );
    await expect(a.notify("ann", { title: "t", colour: "red" } as never)).rejects.toThrow(
      /colour: is not a known field/,
    );
    await expect(a.notify("ann", { title: "\ud800" })).rejects.toThrow(/title: must be valid Unicode/);
    const foreign = a.notify("ann", { title: "t", runId: bobs.id });
    await expect(foreign).rejects.toBeInstanceOf(ValidationError);
    await expect(foreign).rejects.toThrow(/runId: no run/);
    expect((await a.listNotifications("ann")).notifications).toEqual([]);
  });
});
