import type { EventSourceMessage } from "eventsource-parser";
import type { AgentRun, HeadwayEvent } from "../core/index.js";
import { HeadwayClientError } from "./client-error.js";
import { DEFAULT_POLL_MS } from "./client-options.js";
import type { ConnectionStatus, RunUpdate, SubscribeOptions, Subscription } from "./client-types.js";
import type { HeadwayClient } from "./headway-client.js";
import { authHeaders } from "./headway-client.js";
import type { HeadwayNotification } from "./notification-types.js";
import { markReceived } from "./received-at.js";
import { readSseStream } from "./sse-connection.js";

const MAX_BACKOFF_MS = 10_000;
/** Notification ids remembered so one seen on the stream and again in a poll (or a resume) is delivered once. */
const SEEN_NOTIFICATIONS = 1000;
/** Notifications read per poll. */
const NOTIFICATION_POLL_LIMIT = 50;

/** Jittered exponential backoff, so a restarted server is not hit by every client at once. */
function backoffMs(attempt: number): number {
  const base = Math.min(250 * 2 ** attempt, MAX_BACKOFF_MS);
  return base / 2 + Math.random() * (base / 2);
}

/** Refusals that no retry or fallback can fix: a bad token, a missing run, a server that answers something else. */
function isFatal(error: unknown): error is HeadwayClientError {
  if (!(error instanceof HeadwayClientError)) return false;
  return (
    error.status === 401 ||
    error.status === 403 ||
    error.code === "run_not_found" ||
    error.code === "unexpected_response"
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One live subscription: the SSE stream with resume by Last-Event-ID, and
 * polling while the stream is down (or always, with `transport: "poll"`).
 * With a null `handler` it follows notifications alone (no runs are polled).
 */
export function openSubscription(
  client: HeadwayClient,
  handler: ((update: RunUpdate) => void) | null,
  options: SubscribeOptions,
): Subscription {
  // 0 (or less) means never poll: stream only, or with `transport: "poll"` read once.
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const { runId } = options;
  const stop = new AbortController();
  let status: ConnectionStatus = "connecting";
  let lastEventId: string | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  // Notifications: a stream that follows one run carries none, so nor does its polling.
  const wantsNotifications =
    !runId && (options.onNotification !== undefined || options.onNotificationPage !== undefined);
  let notificationsMissing = false; // the server has no notifications route (404): stop asking
  const seenNotifications = new Set<string>();
  // The server's clock as last heard (an event's `at`, a notification's `createdAt`): a poll
  // delivers what was created after it. Null until then, and the first poll only takes note.
  let heardAt: string | null = null;

  const setStatus = (next: ConnectionStatus, error?: Error) => {
    if (status === next && !error) return;
    status = next;
    options.onStatus?.(next, error);
  };

  /** Calls back without letting a throwing callback end the subscription. */
  const safely = (call: () => void) => {
    try {
      call();
    } catch (error) {
      console.error(error);
    }
  };
  const deliver = (update: RunUpdate) => {
    if (handler) safely(() => handler(update));
  };
  const hear = (at: unknown) => {
    if (typeof at === "string" && (heardAt === null || at > heardAt)) heardAt = at;
  };
  /** Notes a notification as known; false when it already was. */
  const remember = (notification: HeadwayNotification) => {
    hear(notification.createdAt);
    if (seenNotifications.has(notification.id)) return false;
    seenNotifications.add(notification.id);
    if (seenNotifications.size > SEEN_NOTIFICATIONS) {
      const oldest = seenNotifications.values().next().value;
      if (oldest !== undefined) seenNotifications.delete(oldest);
    }
    return true;
  };
  /** Delivers a notification once, however often the stream and the polls bring it. */
  const deliverNotification = (notification: HeadwayNotification) => {
    if (!remember(notification)) return;
    const { onNotification } = options;
    if (onNotification) safely(() => onNotification(notification));
  };

  const fail = (error: HeadwayClientError) => {
    stopPolling();
    stop.abort();
    setStatus("error", error);
  };

  async function pollNotifications(): Promise<void> {
    if (!wantsNotifications || notificationsMissing) return;
    let page: Awaited<ReturnType<HeadwayClient["listNotifications"]>>;
    try {
      page = await client.listNotifications({ limit: NOTIFICATION_POLL_LIMIT });
    } catch (error) {
      // A server without notifications (no route, or a page that is not the API): runs still poll,
      // notifications are left alone from now on. A refused token ends the subscription as for runs.
      if (error instanceof HeadwayClientError && (error.status === 404 || error.code === "unexpected_response")) {
        notificationsMissing = true;
      } else if (error instanceof HeadwayClientError && (error.status === 401 || error.status === 403)) throw error;
      return;
    }
    const { onNotificationPage } = options;
    if (onNotificationPage) safely(() => onNotificationPage(page));
    const since = heardAt;
    // Oldest first, as the stream would have delivered them.
    for (const notification of [...page.notifications].reverse()) {
      // Already there when we started listening (or before what we last heard): known, not new.
      if (since === null || notification.createdAt < since) remember(notification);
      else deliverNotification(notification);
    }
    // An empty first page still marks the start: whatever comes later is new.
    heardAt ??= "";
  }

  async function pollOnce(): Promise<void> {
    if (!runId) {
      if (handler) deliver({ kind: "snapshot", runs: (await client.list({ active: true, limit: 500 })).runs });
      await pollNotifications();
      return;
    }
    const run = await client.get(runId);
    if (!run) throw new HeadwayClientError(404, "run_not_found", `run ${runId} not found`);
    const children = await client.list({ parentId: runId, limit: 500 });
    deliver({ kind: "snapshot", runs: [run, ...children.runs] });
  }

  function startPolling(): void {
    if (polling || stop.signal.aborted) return;
    polling = true;
    const tick = async () => {
      if (!polling) return;
      try {
        await pollOnce();
        if (polling) setStatus("polling");
      } catch (error) {
        if (isFatal(error)) return fail(error);
        if (polling) setStatus("polling", toError(error));
      }
      if (polling && pollMs > 0) pollTimer = setTimeout(tick, pollMs);
      else polling = false;
    };
    void tick();
  }

  function stopPolling(): void {
    polling = false;
    clearTimeout(pollTimer);
  }

  const onMessage = (message: EventSourceMessage) => {
    if (message.id) lastEventId = message.id;
    if (!message.event) return;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return; // A frame we cannot read is skipped; the next snapshot or event heals the state.
    }
    if (message.event === "snapshot") {
      const runs = (data as { runs?: AgentRun[] }).runs;
      if (Array.isArray(runs)) {
        markReceived(runs);
        deliver({ kind: "snapshot", runs });
      }
      return;
    }
    const event = data as HeadwayEvent;
    hear(event?.at);
    markReceived([event?.run]);
    if (event?.type === "notification.created") {
      const notification: HeadwayNotification | undefined = event.payload;
      if (wantsNotifications && typeof notification?.id === "string") deliverNotification(notification);
    }
    deliver({ kind: "event", event });
  };

  async function streamLoop(): Promise<void> {
    const url = `${client.options.root}/stream${runId ? `?run=${encodeURIComponent(runId)}` : ""}`;
    let attempt = 0;
    while (!stop.signal.aborted) {
      try {
        await readSseStream(client.options, {
          url,
          headers: authHeaders(client.options),
          lastEventId,
          signal: stop.signal,
          idleTimeoutMs: client.options.idleTimeoutMs,
          onOpen: () => {
            attempt = 0;
            stopPolling();
            setStatus("live");
          },
          onMessage,
        });
        // The server ended the stream (a restart, say): reconnect soon, resuming.
      } catch (error) {
        if (stop.signal.aborted) return;
        if (isFatal(error)) return fail(error);
        if (pollMs > 0) startPolling();
        setStatus("polling", toError(error));
      }
      if (stop.signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffMs(attempt++));
        stop.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  const subscription: Subscription = {
    close() {
      if (status === "closed") return;
      stopPolling();
      stop.abort();
      setStatus("closed");
    },
    get status() {
      return status;
    },
    get lastEventId() {
      return lastEventId;
    },
  };

  if (options.signal?.aborted) {
    subscription.close();
    return subscription;
  }
  options.signal?.addEventListener("abort", () => subscription.close(), { once: true });
  if (options.transport === "poll") startPolling();
  else void streamLoop();
  return subscription;
}
