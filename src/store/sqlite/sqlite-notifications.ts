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
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { migrateSqlite } from "./sqlite-schema.js";

const MAX_ID = "\uffff";

/** Notifications in the `notifications` table of the same SQLite file as the runs. */
export class SqliteNotificationStore implements NotificationStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabaseLike) {
    migrateSqlite(db);
    const select = `SELECT ${NOTIFICATION_COLUMNS} FROM notifications`;
    this.sql = {
      page: db.prepare<NotificationRow>(`${select} WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?`),
      unreadPage: db.prepare<NotificationRow>(
        `${select} INDEXED BY notifications_unread WHERE owner = ? AND read_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      get: db.prepare<NotificationRow>(`${select} WHERE owner = ? AND id = ?`),
      markRead: db.prepare("UPDATE notifications SET read_at = ? WHERE owner = ? AND id = ? AND read_at IS NULL"),
      markAllRead: db.prepare("UPDATE notifications SET read_at = ? WHERE owner = ? AND read_at IS NULL"),
      unread: db.prepare<{ n: number }>(
        "SELECT count(*) AS n FROM notifications INDEXED BY notifications_unread WHERE owner = ? AND read_at IS NULL",
      ),
      sweep: db.prepare("DELETE FROM notifications WHERE created_at < ?"),
      hasKey: db.prepare<{ one: number }>("SELECT 1 AS one FROM notifications WHERE owner = ? AND dedupe_key = ?"),
    };
  }

  async list(owner: string, options: ListNotificationsOptions = {}): Promise<NotificationPage> {
    const statement = options.unread ? this.sql.unreadPage : this.sql.page;
    const rows = statement.all(owner, options.before ?? MAX_ID, pageLimit(options));
    return pageOfNotifications(rows.map(toPublic), options, this.count(owner));
  }

  async get(owner: string, id: string): Promise<Notification | null> {
    const row = this.sql.get.get(owner, id);
    return row ? toPublic(row) : null;
  }

  async markRead(owner: string, id: string, now: number): Promise<Notification | null> {
    await writeWhenFree(this.db, () => this.sql.markRead.run(now, owner, id));
    return this.get(owner, id);
  }

  async markAllRead(owner: string, now: number): Promise<number> {
    return (await writeWhenFree(this.db, () => this.sql.markAllRead.run(now, owner))).changes;
  }

  async unreadCount(owner: string): Promise<number> {
    return this.count(owner);
  }

  async hasDedupeKey(owner: string, dedupeKey: string): Promise<boolean> {
    return this.sql.hasKey.get(owner, dedupeKey) !== undefined;
  }

  async sweep(before: number): Promise<number> {
    return (await writeWhenFree(this.db, () => this.sql.sweep.run(before))).changes;
  }

  private count(owner: string): number {
    return this.sql.unread.get(owner)?.n ?? 0;
  }
}

function toPublic(row: NotificationRow): Notification {
  return toNotification(rowToNotificationRecord(row));
}
