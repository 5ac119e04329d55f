import type { AgentRun, DiagnosticsReport } from "../core/index.js";
import { errorFromResponse, HeadwayClientError } from "./client-error.js";
import { type HeadwayClientOptions, type ResolvedClientOptions, resolveClientOptions } from "./client-options.js";
import type {
  ListOptions,
  RunCounts,
  RunHistoryPoint,
  RunPage,
  RunUpdate,
  SubscribeOptions,
  Subscription,
} from "./client-types.js";
import type { HeadwayNotification, ListNotificationsOptions, NotificationPage } from "./notification-types.js";
import { markReceived } from "./received-at.js";
import { openSubscription } from "./subscription.js";

/** The framework-free client of a Headway server's runs API. Every call is scoped to the token's owner. */
export interface HeadwayClient {
  /** One page of runs, newest first. */
  list(options?: ListOptions): Promise<RunPage>;
  /**
   * How many runs the owner has, per status, optionally only those whose title
   * contains `q`; null when the server is too old to count (no counts route).
   */
  counts(options?: { q?: string }): Promise<RunCounts | null>;
  /** The run, or null when it does not exist (or belongs to someone else). */
  get(id: string): Promise<AgentRun | null>;
  /** Deletes the run; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Asks the run to stop; rejects with code `run_terminal` when it already ended. */
  cancel(id: string): Promise<AgentRun>;
  /** The run's timeline, oldest first; null when the run does not exist. */
  history(id: string, options?: { limit?: number }): Promise<RunHistoryPoint[] | null>;
  /**
   * Reports what the page measured about a run (`POST {base}/:id/diagnostics`):
   * `firstTextToPaintMs`, and `submitToFirstTextMs` when the page timed the
   * person's submit itself. The server keeps the first value of each and
   * answers with the run as stored; rejects with code `run_terminal` once the
   * run has ended, `run_not_found` when it is not the token owner's.
   * `headway/react` calls it on its own for the first paint.
   */
  reportDiagnostics(id: string, report: DiagnosticsReport): Promise<AgentRun>;
  /** Live updates: SSE with resume, polling while the stream is unavailable. */
  subscribe(handler: (update: RunUpdate) => void, options?: SubscribeOptions): Subscription;
  /** One page of the owner's notifications, newest first, with the unread count. */
  listNotifications(options?: ListNotificationsOptions): Promise<NotificationPage>;
  /** Marks one notification read; null when there is none by that id (or it is someone else's). */
  markNotificationRead(id: string): Promise<HeadwayNotification | null>;
  /** Marks every unread notification read; resolves with how many were. */
  markAllNotificationsRead(): Promise<number>;
  /**
   * Each notification created from now on, live: the same stream (and polling
   * fallback) as `subscribe`, without the runs.
   */
  subscribeNotifications(
    handler: (notification: HeadwayNotification) => void,
    options?: Omit<SubscribeOptions, "runId" | "onNotification">,
  ): Subscription;
  /** Resolved options, for subscriptions and tests. */
  readonly options: ResolvedClientOptions;
}

export function authHeaders(options: ResolvedClientOptions): Record<string, string> {
  return options.token ? { Authorization: `Bearer ${options.token}` } : {};
}

export function createHeadwayClient(options: HeadwayClientOptions = {}): HeadwayClient {
  const resolved = resolveClientOptions(options);

  /** Where a request goes besides the runs API, and what it sends. */
  interface CallOptions {
    /** A JSON body. */
    body?: unknown;
    /** The API's root. (Default: the runs API) */
    root?: string;
  }
  async function call<T>(method: string, path: string, notFoundIsNull: true, extra?: CallOptions): Promise<T | null>;
  async function call<T>(method: string, path: string, notFoundIsNull?: false, extra?: CallOptions): Promise<T>;
  async function call<T>(
    method: string,
    path: string,
    notFoundIsNull = false,
    { body, root = resolved.root }: CallOptions = {},
  ): Promise<T | null> {
    const url = root + path;
    const headers: Record<string, string> = { Accept: "application/json", ...authHeaders(resolved) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await resolved.fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 404 && notFoundIsNull) {
      // Drain the body so the connection can be reused.
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw await errorFromResponse(response);
    let parsed: T;
    try {
      parsed = (await response.json()) as T;
    } catch {
      // An HTML page from a proxy or a dev server, say: an error to show, not a crash.
      throw unexpectedBody(response, "a body that is not JSON");
    }
    stampRuns(parsed);
    return parsed;
  }

  /** Checks the shape of a body before anything reads into it. */
  function checked<T>(body: unknown, test: (body: Record<string, unknown>) => boolean, what: string): T {
    if (typeof body === "object" && body !== null && !Array.isArray(body) && test(body as Record<string, unknown>)) {
      return body as T;
    }
    const got = Array.isArray(body) ? "an array" : body === null ? "null" : typeof body;
    throw new HeadwayClientError(502, "unexpected_response", `expected ${what} from the server, got ${got}`);
  }
  const isRun = (value: unknown) =>
    typeof value === "object" && value !== null && typeof (value as AgentRun).id === "string";

  const unexpectedBody = (response: Response, what: string) =>
    new HeadwayClientError(
      502,
      "unexpected_response",
      `expected JSON from ${response.url || "the server"}, got ${what} (${response.headers.get("content-type") ?? "no content type"})`,
    );

  const runPath = (id: string) => `/${encodeURIComponent(id)}`;
  const isNotification = (value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as HeadwayNotification).id === "string" &&
    typeof (value as HeadwayNotification).title === "string";

  /** Every run in a body (`{ run }`, `{ runs }`) is stamped as received now. */
  function stampRuns(body: unknown): void {
    if (typeof body !== "object" || body === null) return;
    const { run, runs } = body as { run?: AgentRun; runs?: AgentRun[] };
    markReceived(Array.isArray(runs) ? [run, ...runs] : [run]);
  }

  const client: HeadwayClient = {
    options: resolved,
    async list(listOptions = {}) {
      const query = new URLSearchParams();
      if (listOptions.active !== undefined) query.set("active", String(listOptions.active));
      if (listOptions.limit !== undefined) query.set("limit", String(listOptions.limit));
      if (listOptions.cursor) query.set("cursor", listOptions.cursor);
      if (listOptions.parentId) query.set("parent", listOptions.parentId);
      if (listOptions.q) query.set("q", listOptions.q);
      if (listOptions.status) query.set("status", listOptions.status);
      const search = query.toString();
      const body = await call<unknown>("GET", search ? `?${search}` : "");
      return checked<RunPage>(
        body,
        (b) =>
          Array.isArray(b.runs) &&
          b.runs.every(isRun) &&
          (b.nextCursor === null || typeof b.nextCursor === "string" || b.nextCursor === undefined),
        "{ runs: [...], nextCursor }",
      );
    },
    async counts(countOptions = {}) {
      const search = countOptions.q ? `?q=${encodeURIComponent(countOptions.q)}` : "";
      const body = await call<unknown>("GET", `/counts${search}`, true);
      if (body === null) return null;
      return checked<RunCounts>(
        body,
        (b) => ["total", "running", "succeeded", "failed", "cancelled"].every((k) => typeof b[k] === "number"),
        "{ total, running, succeeded, failed, cancelled }",
      );
    },
    async get(id) {
      const body = await call<unknown>("GET", runPath(id), true);
      if (body === null) return null;
      return checked<{ run: AgentRun }>(body, (b) => isRun(b.run), "{ run }").run;
    },
    async delete(id) {
      return (await call<{ deleted: boolean }>("DELETE", runPath(id), true))?.deleted ?? false;
    },
    async cancel(id) {
      const body = await call<unknown>("POST", `${runPath(id)}/cancel`);
      return checked<{ run: AgentRun }>(body, (b) => isRun(b.run), "{ run }").run;
    },
    async reportDiagnostics(id, report) {
      const body = await call<unknown>("POST", `${runPath(id)}/diagnostics`, false, { body: report });
      return checked<{ run: AgentRun }>(body, (b) => isRun(b.run), "{ run }").run;
    },
    async history(id, historyOptions = {}) {
      const limit = historyOptions.limit === undefined ? "" : `?limit=${historyOptions.limit}`;
      const body = await call<unknown>("GET", `${runPath(id)}/events${limit}`, true);
      if (body === null) return null;
      return checked<{ events: RunHistoryPoint[] }>(body, (b) => Array.isArray(b.events), "{ events: [...] }").events;
    },
    subscribe(handler, subscribeOptions = {}) {
      return openSubscription(client, handler, subscribeOptions);
    },
    async listNotifications(listOptions = {}) {
      const query = new URLSearchParams();
      if (listOptions.unread !== undefined) query.set("unread", String(listOptions.unread));
      if (listOptions.limit !== undefined) query.set("limit", String(listOptions.limit));
      if (listOptions.before) query.set("before", listOptions.before);
      const search = query.toString();
      const body = await call<unknown>("GET", search ? `?${search}` : "", false, { root: resolved.notificationsRoot });
      return checked<NotificationPage>(
        body,
        (b) =>
          Array.isArray(b.notifications) &&
          b.notifications.every(isNotification) &&
          typeof b.unreadCount === "number" &&
          (b.nextBefore === null || typeof b.nextBefore === "string" || b.nextBefore === undefined),
        "{ notifications: [...], unreadCount, nextBefore }",
      );
    },
    async markNotificationRead(id) {
      const body = await call<unknown>("POST", `${runPath(id)}/read`, true, { root: resolved.notificationsRoot });
      if (body === null) return null;
      return checked<{ notification: HeadwayNotification }>(
        body,
        (b) => isNotification(b.notification),
        "{ notification }",
      ).notification;
    },
    async markAllNotificationsRead() {
      const body = await call<unknown>("POST", "/read-all", false, { root: resolved.notificationsRoot });
      return checked<{ marked: number }>(body, (b) => typeof b.marked === "number", "{ marked }").marked;
    },
    subscribeNotifications(handler, subscribeOptions = {}) {
      return openSubscription(client, null, { ...subscribeOptions, onNotification: handler });
    },
  };
  return client;
}
