import type { RunStore } from "./run-store.js";
import type { SqliteDatabaseLike } from "./sqlite/sqlite-driver.js";
import { SqliteTokenStore, type SqliteTokenStoreOptions } from "./sqlite/sqlite-token-store.js";
import type { TokenStore } from "./token-store.js";

/**
 * The token store that lives beside a run store, on the same connection; null
 * when the backend keeps no tokens (then host apps authenticate with `resolveOwner`).
 */
export function tokenStoreFor(store: RunStore, options?: SqliteTokenStoreOptions): TokenStore | null {
  const db = store.dialect === "sqlite" ? (store as RunStore & { db?: SqliteDatabaseLike }).db : undefined;
  return db ? new SqliteTokenStore(db, options) : null;
}
