import { createRequire } from "node:module";

/**
 * The part of `postgres` (porsager) the adapter uses, as structural types, so
 * the driver's own types never reach Headway's public types. Every query goes
 * through `unsafe` with numbered parameters: the SQL is ours and constant.
 */
export type PgRow = Record<string, unknown>;

export interface PgSqlLike {
  unsafe<Row extends PgRow = PgRow>(query: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface PgClientLike extends PgSqlLike {
  /** Runs `fn` in a transaction on one connection: committed when it resolves, rolled back when it throws. */
  begin<T>(options: string, fn: (sql: PgSqlLike) => Promise<T>): Promise<T>;
  end(options?: { timeout?: number }): Promise<void>;
}

export interface PgClientOptions {
  /** Connections in the pool. (Default: 5) */
  max?: number;
  /** Startup parameters, such as `search_path` and `application_name`. */
  connection?: Record<string, string>;
  /** Every NOTIFY this client's connections receive (only the LISTEN client sets it). */
  onnotify?: (channel: string, payload: string) => void;
  /** A connection closed, by `end()` or because it dropped. */
  onclose?: () => void;
  /** Close an unused connection after this many seconds; null keeps it. */
  idle_timeout?: number | null;
  max_lifetime?: number | null;
  connect_timeout?: number;
}

type PostgresFactory = (url: string, options: Record<string, unknown>) => PgClientLike;
let driver: PostgresFactory | undefined;

/** `postgres`, loaded on first use: a program on SQLite never loads it. */
function loadDriver(): PostgresFactory {
  driver ??= createRequire(import.meta.url)("postgres") as PostgresFactory;
  return driver;
}

/** int8 (counts, ms timestamps, sequences) as a JS number: every value Headway stores fits in 2^53. */
const INT8_AS_NUMBER = {
  to: 20,
  from: [20],
  serialize: (value: number) => String(value),
  parse: (value: string) => Number(value),
};

export function openPostgresClient(url: string, options: PgClientOptions = {}): PgClientLike {
  const { connection, onclose, ...rest } = options;
  return loadDriver()(url, {
    max: 5,
    idle_timeout: 60,
    ...rest,
    connection: { application_name: "headway", ...connection },
    // Notices (e.g. "schema already exists, skipping") are not news.
    onnotice: () => {},
    onclose: onclose ? () => onclose() : undefined,
    types: { int8: INT8_AS_NUMBER },
  });
}
