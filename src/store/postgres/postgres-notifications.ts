import type { ListNotificationsOptions, Notification, NotificationPage } from "../../core/index.js";
import { toNotification } from "../../core/index.js";
import {
  NOTIFICATION_COLUMNS,
  type NotificationRow,
  type NotificationStore,
  pageLimit,
  pageOfNotifications,
  rowToNotificationRecord,
} from "../notification-store.js";
import type { PgClientLike } from "./postgres-driver.js";

const SQL = {
  page: `SELECT ${NOTIFICATION_COLUMNS} FROM notifications
    WHERE owner = $1 AND ($2::text IS NULL OR id < $2) AND (NOT $3::boolean OR read_at IS NULL)
    ORDER BY id DESC LIMIT $4`,
  get: `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE owner = $1 AND id = $2`,
  markRead: `UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE owner = $1 AND id = $2
    RETURNING ${NOTIFICATION_COLUMNS}`,
  markAllRead: `WITH marked AS (UPDATE notifications SET read_at = $2 WHERE owner = $1 AND read_at IS NULL RETURNING 1)
    SELECT count(*)::int AS n FROM marked`,
  unread: "SELECT count(*)::int AS n FROM notifications WHERE owner = $1 AND read_at IS NULL",
  hasKey: "SELECT 1 AS one FROM notifications WHERE owner = $1 AND dedupe_key = $2",
  sweep:
    "WITH gone AS (DELETE FROM notifications WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone",
};

/** Notifications in the `notifications` table of the same schema as the runs. */
export class PostgresNotificationStore implements NotificationStore {
  constructor(
    private readonly client: PgClientLike,
    private readonly ready: Promise<unknown>,
  ) {}

  async list(owner: string, options: ListNotificationsOptions = {}): Promise<NotificationPage> {
    await this.ready;
    const [rows, unread] = await Promise.all([
      this.client.unsafe<NotificationRow>(SQL.page, [
        owner,
        options.before ?? null,
        options.unread === true,
        pageLimit(options),
      ]),
      this.unreadCount(owner),
    ]);
    return pageOfNotifications(rows.map(toPublic), options, unread);
  }

  async get(owner: string, id: string): Promise<Notification | null> {
    await this.ready;
    const [row] = await this.client.unsafe<NotificationRow>(SQL.get, [owner, id]);
    return row ? toPublic(row) : null;
  }

  async markRead(owner: string, id: string, now: number): Promise<Notification | null> {
    await this.ready;
    const [row] = await this.client.unsafe<NotificationRow>(SQL.markRead, [owner, id, now]);
    return row ? toPublic(row) : null;
  }

  async markAllRead(owner: string, now: number): Promise<number> {
    await this.ready;
    const [row] = await this.client.unsafe<{ n: number }>(SQL.markAllRead, [owner, now]);
    return row?.n ?? 0;
  }

  async unreadCount(owner: string): Promise<number> {
    await this.ready;
    const [row] = await this.client.unsafe<{ n: number }>(SQL.unread, [owner]);
    return row?.n ?? 0;
  }

  async hasDedupeKey(owner: string, dedupeKey: string): Promise<boolean> {
    await this.ready;
    const rows = await this.client.unsafe(SQL.hasKey, [owner, dedupeKey]);
    return rows.length > 0;
  }

  async sweep(before: number): Promise<number> {
    await this.ready;
    const [row] = await this.client.unsafe<{ n: number }>(SQL.sweep, [before]);
    return row?.n ?? 0;
  }
}

function toPublic(row: NotificationRow): Notification {
  return toNotification(rowToNotificationRecord(row));
}
