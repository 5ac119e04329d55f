/**
 * Persistence: the RunStore interface and its adapters.
 * @module
 */
export { BatchPlan, type PlanOptions } from "./batch-plan.js";
export { DEFAULT_DATABASE_PATH, type OpenStoreOptions, openStore, sqlitePathOf } from "./open-store.js";
export { tokenStoreFor } from "./open-token-store.js";
export type {
  BatchResult,
  ChangeFeed,
  HistoryPoint,
  OpOutcome,
  RunOp,
  RunStore,
  RunStoreStats,
} from "./run-store.js";
export * from "./sqlite/index.js";
export { SqliteTokenStore, type SqliteTokenStoreOptions } from "./sqlite/sqlite-token-store.js";
export {
  type ApiSession,
  type ApiToken,
  type CreatedSession,
  type CreatedToken,
  type CreateTokenInput,
  hashTokenSecret,
  type ListTokensOptions,
  TOKEN_SCOPES,
  type TokenScope,
  type TokenStore,
} from "./token-store.js";
