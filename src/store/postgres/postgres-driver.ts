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

/**
 * text[] parameters (`id = ANY($1::text[])`), serialized here: the driver's
 * own array support needs `fetch_types`, which is off (see openRaw). No
 * query reads an array back (rows come as JSON), so there is no parser.
 */
const TEXT_ARRAY = {
  to: 1009,
  from: [] as number[],
  serialize: (values: readonly string[]) =>
    `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`,
};

export function openRaw(url: string, options: PgClientOptions): PgClientLike {
  const { connection, onclose, ...rest } = options;
  return loadDriver()(url, {
    max: 5,
    idle_timeout: 60,
    connect_timeout: 10,
    ...rest,
    connection: { application_name: "headway", ...connection },
    // Notices (e.g. "schema already exists, skipping") are not news.
    onnotice: () => {},
    onclose: onclose ? () => onclose() : undefined,
    // Not fetched on each new connection: postgres 3.4.x runs that query from an async function nobody
    // awaits, so a connection killed during it (a server restart, pg_terminate_backend) rejects with
    // nobody listening, and the process dies of an unhandled rejection (upstream #1223).
    fetch_types: false,
    types: { int8: INT8_AS_NUMBER, textArray: TEXT_ARRAY },
  });
}

/** Codes of errors that say a connection is gone (not that a statement failed). */
const CONNECTION_LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "08P01",
  "57P01", // terminated by an administrator (pg_terminate_backend)
  "57P02",
  "57P03",
]);

/**
 * Sends a query now. The driver's queries are lazy: each goes out when first
 * awaited, and `Promise.all([a, b])` or an `await` inside an async function
 * can await them in another order than they were made. Statements of one
 * transaction must go out in the order written (BEGIN before the rest).
 */
export function sendNow<T>(query: PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => query.then(resolve, reject));
}

export function isConnectionLost(error: unknown): boolean {
  return CONNECTION_LOST.has(String((error as { code?: unknown } | null)?.code));
}

/**
 * What a poisoned connection answers: postgres 3.4.x can leave a connection
 * that dropped with a write still buffered unable to send again (upstream
 * #1154, #1208), so its reconnects time out (or send stale bytes first).
 */
const POISONED = new Set(["CONNECT_TIMEOUT", "08P01"]);

export function isPoisoned(error: unknown): boolean {
  return POISONED.has(String((error as { code?: unknown } | null)?.code));
}

/** Losses that leave no backend behind: nothing was connected (refused), or the server was still starting. */
const NOTHING_CONNECTED = new Set(["ECONNREFUSED", "57P03"]);

/**
 * Whether a pooled connection that failed this way must not be used again.
 * Poisoned ones (above), and any connection lost with a backend behind it:
 * postgres 3.4.x keeps the ErrorResponse of a backend that died under a
 * query (57P01 "terminating connection due to administrator command", on a
 * server restart) on the connection object, and replays it onto the first
 * query after the reconnect, however much later (upstream #1223, PR #1215).
 */
export function spoilsConnection(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code);
  return isPoisoned(error) || (isConnectionLost(error) && !NOTHING_CONNECTED.has(code));
}

/**
 * A pool that replaces itself once one of its connections is spoiled (see
 * spoilsConnection): the old pool is retired (it finishes what it has,
 * gracefully) and later calls go to a fresh one, whose connections carry
 * nothing over. A connection refused just reconnects. Either way the caller gets the error.
 */
export function openPostgresClient(url: string, options: PgClientOptions = {}): PgClientLike {
  let current = openRaw(url, options);
  let ended: Promise<void> | undefined;
  const retiring = new Set<Promise<void>>();
  const retire = (client: PgClientLike, error: unknown) => {
    if (ended || client !== current || !spoilsConnection(error)) return;
    current = openRaw(url, options);
    // What the old pool still runs on its other connections gets 2 s to finish.
    const done = client.end({ timeout: 2 }).catch(() => {});
    retiring.add(done);
    void done.then(() => retiring.delete(done));
  };
  const watch = async <T>(client: PgClientLike, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      retire(client, error);
      throw error;
    }
  };
  return {
    unsafe: <Row extends PgRow = PgRow>(query: string, params?: readonly unknown[]) => {
      const client = current;
      return watch(client, () => sendNow(client.unsafe<Row>(query, params)));
    },
    end: (endOptions) => {
      ended ??= Promise.all([current.end(endOptions), ...retiring]).then(() => {});
      return ended;
    },
  };
}
