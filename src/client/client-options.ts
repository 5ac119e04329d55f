/** Where the runs API lives unless told otherwise; the server's default. */
export const DEFAULT_BASE_PATH = "/_agent-native/runs";
/** Where the notifications API lives unless told otherwise; the server's default. */
export const DEFAULT_NOTIFICATIONS_PATH = "/_agent-native/notifications";
export const DEFAULT_POLL_MS = 3000;

export interface HeadwayClientOptions {
  /** The server's origin, such as `http://127.0.0.1:4317`. (Default: "", the page's own origin in a browser) */
  baseUrl?: string;
  /** Bearer token sent as `Authorization: Bearer <token>`. (Default: none, for hosts that authenticate by cookie) */
  token?: string | null;
  /** Where the runs API is mounted. (Default: "/_agent-native/runs") */
  basePath?: string;
  /** Where the notifications API is mounted. (Default: "/_agent-native/notifications") */
  notificationsPath?: string;
  /** The fetch to use, for tests or custom agents. (Default: globalThis.fetch) */
  fetch?: typeof fetch;
  /** Reconnect the stream after this long without a byte (keep-alives come every 15 s). (Default: 45000) */
  idleTimeoutMs?: number;
}

export interface ResolvedClientOptions {
  readonly root: string;
  /** The notifications API, `baseUrl` + `notificationsPath`. */
  readonly notificationsRoot: string;
  readonly token: string | null;
  readonly fetch: typeof fetch;
  readonly idleTimeoutMs: number;
}

export function resolveClientOptions(options: HeadwayClientOptions): ResolvedClientOptions {
  const baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
  const trim = (path: string) => `/${path.replace(/^\/+|\/+$/g, "")}`;
  const basePath = trim(options.basePath ?? DEFAULT_BASE_PATH);
  if (!options.fetch && typeof globalThis.fetch !== "function") {
    throw new TypeError("fetch: this runtime has no global fetch; pass options.fetch");
  }
  return Object.freeze({
    root: baseUrl + basePath,
    notificationsRoot: baseUrl + trim(options.notificationsPath ?? DEFAULT_NOTIFICATIONS_PATH),
    token: options.token ?? null,
    // Called unbound, window.fetch throws "Illegal invocation".
    fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
  });
}
