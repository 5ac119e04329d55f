import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { explainSqliteError } from "./sqlite-errors.js";

const budgets = new WeakMap<SqliteDatabaseLike, number>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isBusy(error: unknown): boolean {
  const { code, sqliteCode } = (error ?? {}) as { code?: unknown; sqliteCode?: unknown };
  return [code, sqliteCode].some((value) => typeof value === "string" && value.startsWith("SQLITE_BUSY"));
}

/**
 * Runs `write` on a connection of the main thread without holding that
 * thread while another connection has the write lock. SQLite's own busy
 * handler sleeps inside the call: with a writer process committing all the
 * time, every cursor, token or webhook write on the server's connection
 * stopped the event loop (streams, `/healthz`) for up to the busy timeout.
 * Here each try takes the lock at once or fails, and the wait between tries
 * is a timer, within the connection's own busy timeout in all. `write` must
 * be all-or-nothing (a statement or a transaction), since a busy try is
 * run again. Failures come back explained (a lock held past the budget is
 * a `busy` HeadwayError), as the writer's do.
 */
export async function writeWhenFree<T>(db: SqliteDatabaseLike, write: () => T): Promise<T> {
  // Inside an open transaction the lock is this connection's already, or waiting would deadlock it.
  if (db.inTransaction) return write();
  let budget = budgets.get(db);
  if (budget === undefined) {
    budget = Number(db.pragma("busy_timeout", { simple: true }));
    budgets.set(db, budget);
  }
  const deadline = performance.now() + budget;
  for (let attempt = 0; ; attempt++) {
    db.pragma("busy_timeout = 0");
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || performance.now() >= deadline) throw explainSqliteError(error, db.name);
    } finally {
      db.pragma(`busy_timeout = ${budget}`);
    }
    await sleep(Math.min(2 ** attempt, 20));
  }
}
