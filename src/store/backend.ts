import { HeadwayError } from "../core/index.js";
import type { AutomationStateStore } from "./automation-state-store.js";
import type { FeedCursorStore } from "./feed-cursor-store.js";
import type { NotificationStore } from "./notification-store.js";
import { type OpenPostgresBackendOptions, openPostgresBackend } from "./postgres/postgres-backend.js";
import type { RunStore } from "./run-store.js";
import { type OpenSqliteBackendOptions, openSqliteBackend } from "./sqlite/sqlite-backend.js";
import type { TokenStore } from "./token-store.js";
import type { WebhookStore } from "./webhook-store.js";

/** Where the embedded store lives when nothing is configured. */
export const DEFAULT_DATABASE_PATH = ".headway/headway.db";

/**
 * One database's parts, each behind a structural interface: runs (with the
 * change feed), API tokens and webhooks. Later tables join here. Nothing outside a
 * backend's folder names its driver.
 */
export interface Backend {
  readonly kind: RunStore["dialect"];
  readonly runs: RunStore;
  readonly tokens: TokenStore;
  /** Reads and read-marks of notifications (created through `runs`, on the change feed). */
  readonly notifications: NotificationStore;
  /** Where durable feed readers (built-in rules, automations) have got to. */
  readonly cursors: FeedCursorStore;
  /** Which matching episode each `repeat: true` automation is in, per run. */
  readonly automationState: AutomationStateStore;
  /** Webhook endpoints, the delivery outbox and the dispatcher's feed cursor. */
  readonly webhooks: WebhookStore;
  /**
   * Resolves once the backend is usable (migrations ran); rejects with why not,
   * e.g. a SchemaVersionError. Backends that open synchronously have none (SQLite throws at open).
   */
  readonly ready?: Promise<void>;
  /** Closes every part; safe to call twice. */
  close(): Promise<void>;
}

/** Options for either backend; each takes its own and ignores the other's (`writerThread` is SQLite's). */
export type OpenBackendOptions = OpenSqliteBackendOptions & OpenPostgresBackendOptions;

/** The file path of a `sqlite:` URL or plain path; null for other schemes. */
export function sqlitePathOf(url: string): string | null {
  if (url.startsWith("sqlite://")) return url.slice("sqlite://".length);
  if (url.startsWith("sqlite:")) return url.slice("sqlite:".length);
  if (url.startsWith("file:")) return new URL(url).pathname;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null;
  return url;
}

/**
 * Opens the backend a URL names, by scheme: a file path or `sqlite:` URL for
 * the embedded default, `postgres://` or `postgresql://` for PostgreSQL. A
 * driver is loaded only when its scheme is used.
 */
export function openBackend(url: string = DEFAULT_DATABASE_PATH, options: OpenBackendOptions = {}): Backend {
  const path = sqlitePathOf(url);
  if (path !== null) return openSqliteBackend(path, options);
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return openPostgresBackend(url, options);
  }
  throw new HeadwayError(
    "unsupported_database",
    `unsupported database URL "${url.replace(/\/\/[^@/]*@/, "//…@")}": use a file path, a sqlite: URL or a postgres:// URL`,
  );
}
