import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { HeadwayError } from "../../core/index.js";
import type { Backend } from "../backend.js";
import { SqliteAutomationStateStore } from "./sqlite-automation-state.js";
import { SqliteFeedCursorStore } from "./sqlite-cursors.js";
import { type OpenSqliteOptions, openSqliteDatabase } from "./sqlite-driver.js";
import { SqliteNotificationStore } from "./sqlite-notifications.js";
import { SqliteRunStore, type SqliteStoreOptions } from "./sqlite-runs.js";
import { SqliteTokenStore, type SqliteTokenStoreOptions } from "./sqlite-tokens.js";
import { SqliteWebhookStore } from "./sqlite-webhooks.js";

export type OpenSqliteBackendOptions = OpenSqliteOptions &
  Omit<SqliteStoreOptions, "writerThread"> & {
    /** Run write batches on a writer thread so the next batch forms while one commits. (Default: false) */
    writerThread?: boolean;
    tokens?: SqliteTokenStoreOptions;
  };

/** The embedded backend: one file, one connection for reads, tokens and webhooks, run writes on it or on a writer thread. */
export function openSqliteBackend(path: string, options: OpenSqliteBackendOptions = {}): Backend {
  const { writerThread, tokens: tokenOptions, synchronous, busyTimeoutMs, readonly, ...storeOptions } = options;
  if (writerThread && path === ":memory:") {
    throw new HeadwayError("unsupported_option", "writerThread: an in-memory database cannot be shared with a thread");
  }
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const open: OpenSqliteOptions = { synchronous, busyTimeoutMs };
  const db = openSqliteDatabase(path, { ...open, readonly });
  const runs = new SqliteRunStore(db, { ...storeOptions, writerThread: writerThread ? { path, open } : undefined });
  const tokens = new SqliteTokenStore(db, tokenOptions);
  const notifications = new SqliteNotificationStore(db);
  const webhooks = new SqliteWebhookStore(db);
  let closing: Promise<void> | undefined;
  return {
    kind: "sqlite",
    runs,
    tokens,
    notifications,
    cursors: new SqliteFeedCursorStore(db),
    automationState: new SqliteAutomationStateStore(db),
    webhooks,
    close: () => {
      closing ??= runs.close();
      return closing;
    },
  };
}
