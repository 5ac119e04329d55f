import type { AgentRun, HeadwayEvent, HistoryPoint, RunStatus } from "../core/index.js";
import type { HeadwayNotification, NotificationPage } from "./notification-types.js";

/** One point of a run's timeline, as `GET {base}/:id/events` returns it. */
export type RunHistoryPoint = HistoryPoint;

/** One page of runs, newest first. */
export interface RunPage {
  runs: AgentRun[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface ListOptions {
  /** Only running runs. (Default: false) */
  active?: boolean;
  /** At most this many runs, 1..500. (Default: the server's, 50) */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Only the children of this run. */
  parentId?: string;
  /** Only runs whose title contains this text, case-insensitive; answered by the server over all runs. */
  q?: string;
  /** Only runs in this status; answered by the server over all runs. */
  status?: RunStatus;
}

/** How many of the owner's runs there are, in all and per status (`GET {base}/counts`). */
export type { RunCounts } from "../core/index.js";

/**
 * What a subscription delivers. A `snapshot` replaces what the handler knew
 * about the runs in scope (active runs, or one run and its children); an
 * `event` is one change, its `run` the full run after it.
 */
export type RunUpdate = { kind: "snapshot"; runs: AgentRun[] } | { kind: "event"; event: HeadwayEvent };

/**
 * Where a subscription stands: `connecting` (first attempt), `live` (stream
 * open), `polling` (stream unavailable or polling asked for), `closed`, or
 * `error` (a refusal retrying cannot fix, such as a bad token).
 */
export type ConnectionStatus = "connecting" | "live" | "polling" | "closed" | "error";

export interface SubscribeOptions {
  /** Only this run and its children. */
  runId?: string;
  /** How often to poll when the stream is unavailable, or always with `transport: "poll"`. (Default: 3000) */
  pollMs?: number;
  /** `"sse"` streams and falls back to polling while the stream is down; `"poll"` only polls. (Default: "sse") */
  transport?: "sse" | "poll";
  /** Called whenever the connection status changes. */
  onStatus?: (status: ConnectionStatus, error?: Error) => void;
  /** Aborting it closes the subscription. */
  signal?: AbortSignal;
  /**
   * Called once per notification created while subscribed (the stream's
   * `notification.created`; while polling, those newer than the last one seen).
   * Not with `runId`: a stream that follows one run carries no notifications.
   */
  onNotification?: (notification: HeadwayNotification) => void;
  /**
   * While polling, each page of the newest notifications read alongside the
   * runs, with the unread count: a poll also tells what was marked read elsewhere.
   */
  onNotificationPage?: (page: NotificationPage) => void;
}

export interface Subscription {
  /** Stops streaming and polling; idempotent. */
  close(): void;
  readonly status: ConnectionStatus;
  /** The id of the last event received, sent as `Last-Event-ID` on reconnect. */
  readonly lastEventId: string | null;
}
