/**
 * The framework-free client of a Headway server, for browsers and Node:
 * list, get, delete, cancel, history, notifications (list, mark read) and a
 * live subscription (SSE with resume, polling while the stream is unavailable).
 * @module
 */
export type {
  AgentRun,
  DiagnosticsReport,
  HeadwayEvent,
  RunAttention,
  RunDiagnostics,
  RunState,
  RunStatus,
} from "../core/index.js";
export {
  ALMOST_DONE_MS,
  displayedAttention,
  type EtaHiddenReason,
  type EtaView,
  type EtaViewOptions,
  etaView,
  FALLBACK_STALE_AFTER_MS,
  formatSince,
  type ProgressMark,
  STALL_AFTER_MS,
  STALL_AFTER_WRITES,
  trackProgress,
  trackRuns,
} from "../core/run-display.js";
export { HeadwayClientError } from "./client-error.js";
export {
  DEFAULT_BASE_PATH,
  DEFAULT_NOTIFICATIONS_PATH,
  DEFAULT_POLL_MS,
  type HeadwayClientOptions,
} from "./client-options.js";
export type {
  ConnectionStatus,
  ListOptions,
  RunCounts,
  RunHistoryPoint,
  RunPage,
  RunUpdate,
  SubscribeOptions,
  Subscription,
} from "./client-types.js";
export { createHeadwayClient, type HeadwayClient } from "./headway-client.js";
export type {
  HeadwayNotification,
  ListNotificationsOptions,
  NotificationPage,
  NotificationSeverity,
} from "./notification-types.js";
export { markReceived, receivedAt } from "./received-at.js";
export { type ApplyOptions, applyRunUpdate, replaceRun, upsertRun } from "./run-updates.js";
