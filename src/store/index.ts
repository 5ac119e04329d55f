/**
 * Persistence: the RunStore interface and its adapters.
 * @module
 */
export { BatchPlan, type PlanOptions } from "./batch-plan.js";
export { DEFAULT_DATABASE_PATH, type OpenStoreOptions, openStore, sqlitePathOf } from "./open-store.js";
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
