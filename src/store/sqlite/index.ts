export type { OpenSqliteOptions, SqliteDatabaseLike, SynchronousMode } from "./sqlite-driver.js";
export { openSqliteDatabase } from "./sqlite-driver.js";
export { migrateSqlite, SQLITE_MIGRATIONS } from "./sqlite-schema.js";
export { SqliteRunStore, type SqliteStoreOptions } from "./sqlite-store.js";
