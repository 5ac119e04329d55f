import type { ListNotificationsOptions, Notification, NotificationPage, NotificationRecord } from "../core/index.js";
import { LIMITS } from "../core/index.js";

/**
 * Reads and read-marks of notifications. Creating one is a run-store write
 * (a `notify` op), so it takes its place in the change feed like any run change.
 */
export interface NotificationStore {
  /** The owner's notifications, newest first, with the owner's unread count. */
  list(owner: string, options?: ListNotificationsOptions): Promise<NotificationPage>;
  get(owner: string, id: string): Promise<Notification | null>;
  /** Marks one read (a second mark keeps the first time); null when the owner has no such notification. */
  markRead(owner: string, id: string, now: number): Promise<Notification | null>;
  /** Marks every unread one of the owner's read; returns how many. */
  markAllRead(owner: string, now: number): Promise<number>;
  unreadCount(owner: string): Promise<number>;
  /** Whether the owner has a notification made with this dedupe key (a rule checks before asking a model). */
  hasDedupeKey(owner: string, dedupeKey: string): Promise<boolean>;
  /** Deletes notifications created before `before`; returns how many. */
  sweep(before: number): Promise<number>;
}

/** The columns both backends store, in this order. */
export const NOTIFICATION_COLUMNS = "id, owner, title, body, severity, run_id, source, dedupe_key, created_at, read_at";

export interface NotificationRow extends Record<string, unknown> {
  id: string;
  owner: string;
  title: string;
  body: string | null;
  severity: string;
  run_id: string | null;
  source: string | null;
  dedupe_key: string | null;
  created_at: number | string;
  read_at: number | string | null;
}

export function rowToNotificationRecord(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    owner: row.owner,
    title: row.title,
    body: row.body,
    severity: row.severity as NotificationRecord["severity"],
    runId: row.run_id,
    source: row.source,
    dedupeKey: row.dedupe_key,
    createdAt: Number(row.created_at),
    readAt: row.read_at === null ? null : Number(row.read_at),
  };
}

/** How many rows a page asks for: one more than it shows, to know whether another page follows. */
export function pageLimit(options: ListNotificationsOptions): number {
  return (options.limit ?? LIMITS.listLimitDefault) + 1;
}

/** A page from rows fetched with `pageLimit`. */
export function pageOfNotifications(
  rows: readonly Notification[],
  options: ListNotificationsOptions,
  unreadCount: number,
): NotificationPage {
  const limit = options.limit ?? LIMITS.listLimitDefault;
  const notifications = rows.slice(0, limit);
  const nextBefore = rows.length > limit ? (notifications.at(-1)?.id ?? null) : null;
  return { notifications, unreadCount, nextBefore };
}
