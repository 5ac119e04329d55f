export { type OpenPostgresBackendOptions, openPostgresBackend } from "./postgres-backend.js";
export type { PgClientLike, PgSqlLike } from "./postgres-driver.js";
export { PostgresRunStore, type PostgresStoreOptions } from "./postgres-runs.js";
export { migratePostgres, POSTGRES_MIGRATIONS } from "./postgres-schema.js";
export { PostgresTokenStore, type PostgresTokenStoreOptions } from "./postgres-tokens.js";
export { PostgresWebhookStore } from "./postgres-webhooks.js";
