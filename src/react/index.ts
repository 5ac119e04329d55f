/**
 * React parts for Headway: `<RunsTray />` and `<NotificationsBell />` for a
 * header, `<Toaster />` for alerts, `<StatusRow />` for a run's compact
 * status, the hooks `useRuns()`, `useRun(id)`, `useNotifications()` and
 * `useTabTitleAlerts()`, live by SSE or by polling. Also importable as
 * `headway/client/progress`.
 * @module
 */
export type {
  AgentRun,
  ConnectionStatus,
  HeadwayClient,
  HeadwayNotification,
  NotificationSeverity,
  ProgressMark,
  RunAttention,
  RunDiagnostics,
} from "../client/index.js";
export { displayedAttention, trackProgress, trackRuns } from "../core/run-display.js";
export {
  BROWSER_NOTIFICATIONS_KEY,
  type BrowserNotificationsState,
  BrowserNotificationsToggle,
  type BrowserNotificationsToggleProps,
  type BrowserPermission,
  showBrowserNotification,
  useBrowserNotifications,
} from "./browser-notifications.js";
export {
  type EtaView,
  elapsedMs,
  etaLabel,
  etaText,
  etaView,
  formatAgo,
  formatDuration,
  formatEta,
  formatSince,
} from "./format.js";
export {
  type ClientSource,
  HeadwayProvider,
  type HeadwayProviderProps,
  useHeadwayClient,
  useProvidedClient,
} from "./headway-context.js";
export {
  type AlertKind,
  type HeadwayAlert,
  isUrgent,
  NotificationCenter,
  type NotificationsState,
  notificationCenter,
} from "./notification-center.js";
export { bellLabel, NotificationsBell, type NotificationsBellProps } from "./notifications-bell.js";
export { ProgressBar, type ProgressBarProps } from "./progress-bar.js";
export { RunProgressItem, type RunProgressItemProps } from "./run-progress-item.js";
export { DEFAULT_KEEP_FINISHED_MS, RunsTray, type RunsTrayProps } from "./runs-tray.js";
export { type Attention, attentionOf, stateLabel, summaryOf } from "./status-labels.js";
export { StatusRow, type StatusRowProps } from "./status-row.js";
export { HEADWAY_CSS, useHeadwayStyles } from "./styles.js";
export { Toaster, type ToasterProps } from "./toaster.js";
export { hasAnswerText, useFirstPaintReport } from "./use-first-paint.js";
export {
  type NotificationsView,
  useHeadwayAlerts,
  useNotificationCenter,
  useNotifications,
} from "./use-notifications.js";
export { useNow } from "./use-now.js";
export { useProgressMark, useProgressMarks } from "./use-progress.js";
export { type RunView, type UseRunOptions, useRun } from "./use-run.js";
export { type KeepFinished, type RunsState, type UseRunsOptions, useRuns } from "./use-runs.js";
export {
  alertTitle,
  type TabTitleAlerts,
  type TabTitleAlertsOptions,
  useTabTitleAlerts,
} from "./use-tab-title-alerts.js";
