import type { AgentRun } from "../core/index.js";
import { errorFromResponse } from "./client-error.js";
import { type HeadwayClientOptions, type ResolvedClientOptions, resolveClientOptions } from "./client-options.js";
import type {
  ListOptions,
  RunHistoryPoint,
  RunPage,
  RunUpdate,
  SubscribeOptions,
  Subscription,
} from "./client-types.js";
import { openSubscription } from "./subscription.js";

/** The framework-free client of a Headway server's runs API. Every call is scoped to the token's owner. */
export interface HeadwayClient {
  /** One page of runs, newest first. */
  list(options?: ListOptions): Promise<RunPage>;
  /** The run, or null when it does not exist (or belongs to someone else). */
  get(id: string): Promise<AgentRun | null>;
  /** Deletes the run; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Asks the run to stop; rejects with code `run_terminal` when it already ended. */
  cancel(id: string): Promise<AgentRun>;
  /** The run's timeline, oldest first; null when the run does not exist. */
  history(id: string, options?: { limit?: number }): Promise<RunHistoryPoint[] | null>;
  /** Live updates: SSE with resume, polling while the stream is unavailable. */
  subscribe(handler: (update: RunUpdate) => void, options?: SubscribeOptions): Subscription;
  /** Resolved options, for subscriptions and tests. */
  readonly options: ResolvedClientOptions;
}

export function authHeaders(options: ResolvedClientOptions): Record<string, string> {
  return options.token ? { Authorization: `Bearer ${options.token}` } : {};
}

export function createHeadwayClient(options: HeadwayClientOptions = {}): HeadwayClient {
  const resolved = resolveClientOptions(options);

  async function call<T>(method: string, path: string, notFoundIsNull: true): Promise<T | null>;
  async function call<T>(method: string, path: string, notFoundIsNull?: false): Promise<T>;
  async function call<T>(method: string, path: string, notFoundIsNull = false): Promise<T | null> {
    const response = await resolved.fetch(resolved.root + path, {
      method,
      headers: { Accept: "application/json", ...authHeaders(resolved) },
    });
    if (response.status === 404 && notFoundIsNull) {
      // Drain the body so the connection can be reused.
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  const runPath = (id: string) => `/${encodeURIComponent(id)}`;

  const client: HeadwayClient = {
    options: resolved,
    list(listOptions = {}) {
      const query = new URLSearchParams();
      if (listOptions.active !== undefined) query.set("active", String(listOptions.active));
      if (listOptions.limit !== undefined) query.set("limit", String(listOptions.limit));
      if (listOptions.cursor) query.set("cursor", listOptions.cursor);
      if (listOptions.parentId) query.set("parent", listOptions.parentId);
      const search = query.toString();
      return call<RunPage>("GET", search ? `?${search}` : "");
    },
    async get(id) {
      return (await call<{ run: AgentRun }>("GET", runPath(id), true))?.run ?? null;
    },
    async delete(id) {
      return (await call<{ deleted: boolean }>("DELETE", runPath(id), true))?.deleted ?? false;
    },
    async cancel(id) {
      return (await call<{ run: AgentRun }>("POST", `${runPath(id)}/cancel`)).run;
    },
    async history(id, historyOptions = {}) {
      const limit = historyOptions.limit === undefined ? "" : `?limit=${historyOptions.limit}`;
      return (await call<{ events: RunHistoryPoint[] }>("GET", `${runPath(id)}/events${limit}`, true))?.events ?? null;
    },
    subscribe(handler, subscribeOptions = {}) {
      return openSubscription(client, handler, subscribeOptions);
    },
  };
  return client;
}
