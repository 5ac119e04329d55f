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

/** One connection taken from the pool until `release`. */
export interface PgReservedLike extends PgSqlLike {
  release(): void;
}

export interface PgClientLike extends PgSqlLike {
  reserve(): Promise<PgReservedLike>;
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

function openRaw(url: string, options: PgClientOptions): PgClientLike {
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
    types: { int8: INT8_AS_NUMBER },
  });
}

/** Codes of errors that say a connection is gone (not that a statement failed). */
const CONNECTION_LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "EPIPE",
  "57P01", // terminated by an administrator (pg_terminate_backend)
  "57P02",
  "57P03",
]);

export function isConnectionLost(error: unknown): boolean {
  return CONNECTION_LOST.has(String((error as { code?: unknown } | null)?.code));
}

/**
 * A pool that replaces itself after a connection is lost. postgres 3.4.x can
 * leave a connection that dropped with a write still buffered unable to send
 * again (upstream issues #1154, #1208): every later use of that slot waits
 * for the connect timeout. So after such an error the whole pool is retired
 * (it finishes what it has, gracefully) and later calls go to a fresh one.
 * The caller still gets the error: whether a lost COMMIT landed is unknown.
 */
export function openPostgresClient(url: string, options: PgClientOptions = {}): PgClientLike {
  let current = openRaw(url, options);
  let ended: Promise<void> | undefined;
  const retiring = new Set<Promise<void>>();
  const retire = (client: PgClientLike, error: unknown) => {
    if (ended || client !== current || !isConnectionLost(error)) return;
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
      return watch(client, () => client.unsafe<Row>(query, params));
    },
    reserve: async () => {
      const client = current;
      const reserved = await watch(client, () => client.reserve());
      return {
        unsafe: <Row extends PgRow = PgRow>(query: string, params?: readonly unknown[]) =>
          watch(client, () => reserved.unsafe<Row>(query, params)),
        release: () => reserved.release(),
      };
    },
    end: (endOptions) => {
      ended ??= Promise.all([current.end(endOptions), ...retiring]).then(() => {});
      return ended;
    },
  };
}

/**
 * Runs `fn` in a transaction on one reserved connection. Not the driver's
 * `begin`: after a lost connection it sends ROLLBACK on the dead socket,
 * which postgres 3.4.x turns into an uncatchable TypeError (upstream #1208).
 * Here a lost connection is never written to again nor handed back to the
 * pool; the pool it came from is retired instead (see openPostgresClient).
 */
export async function inTransaction<T>(
  client: PgClientLike,
  mode: string,
  fn: (sql: PgSqlLike) => Promise<T>,
): Promise<T> {
  const sql = await client.reserve();
  try {
    // BEGIN goes out with the first statements of `fn`, not a round trip ahead of them.
    const [, result] = await Promise.all([sql.unsafe(`BEGIN ${mode}`), fn(sql)]);
    await sql.unsafe("COMMIT");
    sql.release();
    return result;
  } catch (error) {
    if (isConnectionLost(error)) throw error;
    try {
      await sql.unsafe("ROLLBACK");
      sql.release();
    } catch {
      // Lost while rolling back: the server rolls back by itself, and the connection is not reused.
    }
    throw error;
  }
}
