import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { HeadwayNotification } from "../../src/client/index.js";
import { notifyOnOutcomes } from "../../src/notifications/index.js";
import { createHeadwayApp } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { serveRuns } from "./helpers.js";

/**
 * A server that answers the notifications contract (the list, mark read, mark
 * all read, and `notification.created` on the runs stream) from memory, with
 * no runs: for client and component tests of the contract on its own.
 */
export async function serveNotificationsContract(options: { owner?: string; stream?: boolean } = {}) {
  const owner = options.owner ?? "ann";
  const notifications: HeadwayNotification[] = [];
  const streams = new Set<(n: HeadwayNotification) => void>();
  const requests: string[] = [];
  let seq = 0;
  let counter = 0;
  const app = new Hono();
  app.use("*", async (c, next) => {
    requests.push(`${c.req.method} ${new URL(c.req.url).pathname}${new URL(c.req.url).search}`);
    if (c.req.header("authorization") !== "Bearer good") {
      return c.json({ error: { code: "unauthorized", message: "no token" } }, 401);
    }
    await next();
  });
  const unread = () => notifications.filter((n) => !n.readAt).length;
  app.get("/_agent-native/notifications", (c) => {
    const onlyUnread = c.req.query("unread") === "true";
    const limit = Number(c.req.query("limit") ?? 50);
    const before = c.req.query("before");
    let list = [...notifications].reverse().filter((n) => !onlyUnread || !n.readAt);
    if (before) list = list.slice(list.findIndex((n) => n.id === before) + 1);
    const page = list.slice(0, limit);
    const nextBefore = list.length > limit ? (page.at(-1)?.id ?? null) : null;
    return c.json({ notifications: page, unreadCount: unread(), nextBefore });
  });
  app.post("/_agent-native/notifications/read-all", (c) => {
    const at = new Date().toISOString();
    let marked = 0;
    for (const n of notifications) {
      if (!n.readAt) {
        n.readAt = at;
        marked++;
      }
    }
    return c.json({ marked });
  });
  app.post("/_agent-native/notifications/:id/read", (c) => {
    const found = notifications.find((n) => n.id === c.req.param("id"));
    if (!found) return c.json({ error: { code: "notification_not_found", message: "not found" } }, 404);
    found.readAt ??= new Date().toISOString();
    return c.json({ notification: found });
  });
  app.get("/_agent-native/runs", (c) => c.json({ runs: [], nextCursor: null }));
  app.get("/_agent-native/runs/stream", (c) => {
    if (options.stream === false) return c.text("no streaming here", 503);
    return streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: "snapshot", data: JSON.stringify({ runs: [] }), id: `${seq}-0` });
      const send = (n: HeadwayNotification) => {
        seq++;
        const envelope = { id: `${seq}-0`, type: "notification.created", owner, at: n.createdAt, payload: n };
        void stream.writeSSE({ event: "notification.created", id: envelope.id, data: JSON.stringify(envelope) });
      };
      streams.add(send);
      stream.onAbort(() => {
        streams.delete(send);
      });
      while (!stream.aborted) await stream.sleep(50);
      streams.delete(send);
    });
  });
  const url = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  });

  /** Stores a notification and sends it down every open stream, as the server's `notify` would. */
  const notify = (input: Partial<HeadwayNotification> & { title: string }): HeadwayNotification => {
    counter++;
    const notification: HeadwayNotification = {
      id: `n${String(counter).padStart(4, "0")}`,
      owner,
      body: null,
      severity: "info",
      runId: null,
      source: "api",
      // A millisecond apart at least, so the order by time is the order of creation.
      createdAt: new Date(Date.now() + counter).toISOString(),
      readAt: null,
      ...input,
    };
    notifications.push(notification);
    for (const send of streams) send(notification);
    return notification;
  };
  return { url, token: "good", notify, notifications, requests, streams };
}

/** A real server (runs, stream, tokens) from before notifications: their routes answer 404. */
export async function serveWithoutNotifications() {
  const f = fixture();
  const app = new Hono();
  app.all("/_agent-native/notifications/*", (c) => c.json({ error: { code: "not_found", message: "no route" } }, 404));
  app.all("/_agent-native/notifications", (c) => c.json({ error: { code: "not_found", message: "no route" } }, 404));
  app.route("/", createHeadwayApp({ progress: f.progress, dashboardDir: false }));
  const url = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  });
  return { ...f, url };
}

/** A real server with notifications and the built-in rules running, as `headway serve` has them. */
export async function serveWithRules() {
  const served = await serveRuns();
  const rules = notifyOnOutcomes(served.progress, { intervalMs: 50 });
  onCleanup(() => rules.close());
  return { ...served, rules };
}
