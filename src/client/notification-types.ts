/**
 * A notification as the server stores and serves it (`GET /_agent-native/notifications`,
 * and the `notification.created` event on the runs stream).
 */
export interface HeadwayNotification {
  id: string;
  owner: string;
  title: string;
  body: string | null;
  severity: NotificationSeverity;
  /** The run it is about, if any: a client links to that run's page. */
  runId: string | null;
  /** What made it: `rule:run-failed`, `automation:<name>`, `api`… */
  source: string | null;
  /** ISO-8601. */
  createdAt: string;
  /** When it was marked read (ISO-8601), or null while unread. */
  readAt: string | null;
}

export type NotificationSeverity = "info" | "warning" | "critical";

/** One page of the owner's notifications, newest first, with the unread count over all of them. */
export interface NotificationPage {
  notifications: HeadwayNotification[];
  /** Unread notifications in all, not only on this page. */
  unreadCount: number;
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface ListNotificationsOptions {
  /** Only unread notifications. (Default: false) */
  unread?: boolean;
  /** At most this many. (Default: the server's, 50) */
  limit?: number;
  /** `nextBefore` of the previous page. */
  before?: string;
}
