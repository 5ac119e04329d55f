/**
 * Persistence: `openBackend(url)` and the structural interfaces its parts implement.
 * @module
 */

export type { AutomationStateStore, RuleCheck, RuleEpisode } from "./automation-state-store.js";
export { type Backend, DEFAULT_DATABASE_PATH, type OpenBackendOptions, openBackend, sqlitePathOf } from "./backend.js";
export { BatchPlan, type PlanOptions } from "./batch-plan.js";
export {
  type Commit,
  envelopeOf,
  envelopesOf,
  FEED_PAGE_BYTES,
  FEED_ROW_BYTES,
  type FeedPage,
  type RunChange,
} from "./change-feed.js";
export type { FeedCursorStore } from "./feed-cursor-store.js";
export { eventJson, runJson } from "./metadata-json.js";
export type { NotificationStore } from "./notification-store.js";
export * from "./postgres/index.js";
export type {
  BatchResult,
  ChangeSet,
  HistoryPoint,
  OpOutcome,
  RunOp,
  RunStore,
  RunStoreStats,
} from "./run-store.js";
export * from "./sqlite/index.js";
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
export {
  type AttemptOutcome,
  type ClaimedDelivery,
  type ClaimOptions,
  type CreatedWebhook,
  type CreateWebhookInput,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type EnqueueResult,
  type ListDeliveriesOptions,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_LIMITS,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookStore,
  webhookFieldsShape,
  webhookIdSchema,
} from "./webhook-store.js";
