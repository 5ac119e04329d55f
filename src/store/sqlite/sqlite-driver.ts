import { createRequire } from "node:module";
import { explainOpenError } from "./sqlite-errors.js";

/**
 * The part of better-sqlite3 the adapter uses, as a structural type, so the
 * driver's own types never reach Headway's public types.
 */
export interface SqliteStatementLike<Row = unknown> {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

export interface SqliteTransactionLike<R> {
  (): R;
  immediate(): R;
}

export interface SqliteDatabaseLike {
  prepare<Row = unknown>(sql: string): SqliteStatementLike<Row>;
  exec(sql: string): unknown;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<R>(fn: () => R): SqliteTransactionLike<R>;
  close(): unknown;
  readonly open: boolean;
  readonly inTransaction: boolean;
  /** The file's path, as opened. */
  readonly name: string;
}

export type SynchronousMode = "OFF" | "NORMAL" | "FULL" | "EXTRA";

export interface OpenSqliteOptions {
  /** SQLite's durability level. FULL survives power loss in WAL mode. (Default: "FULL") */
  synchronous?: SynchronousMode;
  /** How long a write waits for another process's lock, in ms. (Default: 5000) */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

type DatabaseConstructor = new (path: string, options: { readonly: boolean }) => SqliteDatabaseLike;
let driver: DatabaseConstructor | undefined;

/** better-sqlite3, loaded on first use: a program on another backend never loads this native module. */
function loadDriver(): DatabaseConstructor {
  driver ??= createRequire(import.meta.url)("better-sqlite3") as DatabaseConstructor;
  return driver;
}

export function openSqliteDatabase(path: string, options: OpenSqliteOptions = {}): SqliteDatabaseLike {
  const Database = loadDriver();
  let db: SqliteDatabaseLike;
  try {
    db = new Database(path, { readonly: options.readonly ?? false });
    db.pragma("journal_mode = WAL");
  } catch (error) {
    throw explainOpenError(error, path);
  }
  db.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma("foreign_keys = ON");
  return db;
}
