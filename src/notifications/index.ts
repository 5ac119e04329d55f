/**
 * Notifications: tell a person something — when work ends, fails, stalls or
 * needs them. Stored, pushed live on the change feed (`notification.created`),
 * listed and marked read over HTTP, sent to webhooks.
 * @module
 */
import type { ListNotificationsOptions, Notification, NotificationPage, NotifyInput } from "../core/index.js";
import { getDefaultProgress } from "../progress/index.js";

export type {
  ListNotificationsOptions,
  Notification,
  NotificationPage,
  NotificationSeverity,
  NotifyInput,
} from "../core/index.js";
export { NOTIFICATION_SEVERITIES } from "../core/index.js";
export {
  BUILT_IN_RULES,
  type BuiltInRule,
  type BuiltInRuleName,
  type NotifyOnOutcomesOptions,
  notifyOnOutcomes,
  type OutcomeNotifier,
} from "./built-in-rules.js";

/** Notifies `owner` through the default instance (see `Progress.notify`). */
export const notify = (owner: string, input: NotifyInput): Promise<Notification | null> =>
  getDefaultProgress().notify(owner, input);

export const listNotifications = (owner: string, options?: ListNotificationsOptions): Promise<NotificationPage> =>
  getDefaultProgress().listNotifications(owner, options);

export const markNotificationRead = (owner: string, id: string): Promise<Notification | null> =>
  getDefaultProgress().markNotificationRead(owner, id);

export const markAllNotificationsRead = (owner: string): Promise<number> =>
  getDefaultProgress().markAllNotificationsRead(owner);
