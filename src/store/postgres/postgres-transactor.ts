import {
  isConnectionLost,
  openRaw,
  type PgClientLike,
  type PgClientOptions,
  type PgSqlLike,
  sendNow,
} from "./postgres-driver.js";
import { explainPostgresError } from "./postgres-errors.js";

interface Connection {
  client: PgClientLike;
  /** Set in the same tick as the driver drops the socket; the next transaction starts on a fresh client. */
  lost: boolean;
}

function send<Row extends Record<string, unknown>>(
  connection: Connection,
  query: string,
  params?: readonly unknown[],
): Promise<Row[]> {
  if (connection.lost) {
    const error = new Error("the connection was lost mid-transaction");
    return Promise.reject(Object.assign(error, { code: "CONNECTION_CLOSED" }));
  }
  return sendNow(connection.client.unsafe<Row>(query, params));
}

/**
 * Transactions, one at a time, on a connection of their own.
 *
 * Not the driver's `begin` or `reserve`: when the connection of a reserved
 * transaction drops, the next statement sent on it (the driver's own
 * ROLLBACK, or ours) makes postgres 3.4.x throw an uncatchable TypeError from
 * a timer (upstream issues #1154, #1208) and the process dies. Here the
 * transaction has a one-connection client to itself, whose `onclose` marks it
 * lost in the same tick as the driver drops the socket; a lost transaction
 * sends nothing more (the server rolls it back by itself), and the next one
 * starts on a fresh client. Idle and lifetime closes are off, so a close is
 * always a real loss.
 */
export class Transactor {
  private current: Connection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private ended: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly options: PgClientOptions,
  ) {}

  /**
   * Runs `fn` between `BEGIN <mode>` and COMMIT (ROLLBACK when it throws);
   * transactions queue behind each other. A lost connection rejects with a
   * HeadwayError that says whether the transaction can have committed
   * (`unavailable`, `connection_lost`: no; `commit_unknown`: maybe).
   */
  run<T>(mode: string, fn: (sql: PgSqlLike) => Promise<T>): Promise<T> {
    const result = this.queue.then(() => this.transact(mode, fn));
    this.queue = result.catch(() => {});
    return result;
  }

  end(): Promise<void> {
    this.ended ??= this.queue.then(() => this.discard(5));
    return this.ended;
  }

  private async transact<T>(mode: string, fn: (sql: PgSqlLike) => Promise<T>): Promise<T> {
    if (this.ended) throw Object.assign(new Error("the transaction client is closed"), { code: "CONNECTION_ENDED" });
    // A lost client is not reused: the driver may still hold a statement for it, to send after reconnecting.
    if (this.current?.lost) await this.discard(0);
    const current = this.current ?? this.open();
    // One statement out at a time, each sent only once the one before has answered: a statement the
    // driver held back while another was out would, after a loss, be sent on a new connection outside
    // the transaction. So nothing is pipelined here, and nothing is sent once the connection is lost.
    let last: Promise<unknown> = Promise.resolve();
    const sql: PgSqlLike = {
      unsafe: <Row extends Record<string, unknown>>(query: string, params?: readonly unknown[]) => {
        const next = last.then(
          () => send<Row>(current, query, params),
          () => send<Row>(current, query, params),
        );
        last = next.catch(() => {});
        return next;
      },
    };
    let committing = false;
    try {
      await sql.unsafe(`BEGIN ${mode}`);
      const result = await fn(sql);
      committing = true;
      await sql.unsafe("COMMIT");
      return result;
    } catch (error) {
      if (isConnectionLost(error)) current.lost = true;
      if (!current.lost) await sql.unsafe("ROLLBACK").catch(() => {});
      throw explainPostgresError(error, committing);
    }
  }

  private open(): Connection {
    const current: Connection = { client: undefined as unknown as PgClientLike, lost: false };
    current.client = openRaw(this.url, {
      ...this.options,
      max: 1,
      idle_timeout: null,
      max_lifetime: null,
      onclose: () => {
        current.lost = true;
      },
    });
    this.current = current;
    return current;
  }

  private async discard(timeoutSeconds: number): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.client.end({ timeout: timeoutSeconds }).catch(() => {});
  }
}
