export { type OpenSqliteBackendOptions, openSqliteBackend } from "./sqlite-backend.js";
export type { OpenSqliteOptions, SqliteDatabaseLike, SynchronousMode } from "./sqlite-driver.js";
export { openSqliteDatabase } from "./sqlite-driver.js";
export { SqliteRunStore, type SqliteStoreOptions } from "./sqlite-runs.js";
export { migrateSqlite, SQLITE_MIGRATIONS } from "./sqlite-schema.js";
export { SqliteTokenStore, type SqliteTokenStoreOptions } from "./sqlite-tokens.js";
export { SqliteWebhookStore } from "./sqlite-webhooks.js";
