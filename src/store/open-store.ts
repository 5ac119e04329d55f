import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { HeadwayError } from "../core/index.js";
import type { RunStore } from "./run-store.js";
import { type OpenSqliteOptions, openSqliteDatabase } from "./sqlite/sqlite-driver.js";
import { SqliteRunStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";

/** Where the embedded store lives when nothing is configured. */
export const DEFAULT_DATABASE_PATH = ".headway/headway.db";

export type OpenStoreOptions = OpenSqliteOptions &
  Omit<SqliteStoreOptions, "writerThread"> & {
    /** Commit on a writer thread so the next batch forms while one commits. (Default: false) */
    writerThread?: boolean;
  };

/** The file path of a `sqlite:` URL or plain path; null for other schemes. */
export function sqlitePathOf(url: string): string | null {
  if (url.startsWith("sqlite://")) return url.slice("sqlite://".length);
  if (url.startsWith("sqlite:")) return url.slice("sqlite:".length);
  if (url.startsWith("file:")) return new URL(url).pathname;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null;
  return url;
}

/**
 * Opens the store a URL names: a file path or `sqlite:` URL for the embedded
 * default; `postgres://` once the PostgreSQL adapter lands.
 */
export function openStore(url: string = DEFAULT_DATABASE_PATH, options: OpenStoreOptions = {}): RunStore {
  const path = sqlitePathOf(url);
  if (path === null) {
    throw new HeadwayError("unsupported_database", `unsupported database URL "${url}": use a file path or sqlite: URL`);
  }
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = openSqliteDatabase(path, options);
  const { writerThread, ...storeOptions } = options;
  if (writerThread && path === ":memory:") {
    throw new HeadwayError("unsupported_option", "writerThread: an in-memory database cannot be shared with a thread");
  }
  const open = { synchronous: options.synchronous, busyTimeoutMs: options.busyTimeoutMs };
  return new SqliteRunStore(db, { ...storeOptions, writerThread: writerThread ? { path, open } : undefined });
}
