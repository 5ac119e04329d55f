import type { SqliteDatabaseLike } from "./sqlite-driver.js";

/**
 * Calls `wake` when another connection to the file committed. `PRAGMA
 * data_version` moves only then, and reading it is one cheap call, so an idle
 * watch costs next to nothing. A wake is only a hint to read the change feed.
 */
export function watchDataVersion(db: SqliteDatabaseLike, wake: () => void, intervalMs: number): () => void {
  const read = () => Number(db.pragma("data_version", { simple: true }));
  let seen = read();
  const timer = setInterval(() => {
    if (!db.open) return clearInterval(timer);
    const version = read();
    if (version === seen) return;
    seen = version;
    wake();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
