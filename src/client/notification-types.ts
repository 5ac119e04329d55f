import type { Notification } from "../core/index.js";

/**
 * A notification as the server stores and serves it (`GET
 * /_agent-native/notifications`, and the `notification.created` event on the
 * runs stream): core's `Notification`, under a name that does not hide the
 * browser's own `Notification` in code that uses both.
 */
export type HeadwayNotification = Notification;

export type { ListNotificationsOptions, NotificationPage, NotificationSeverity } from "../core/index.js";
