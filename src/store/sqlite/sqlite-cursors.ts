import type { FeedCursorStore } from "../feed-cursor-store.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { migrateSqlite } from "./sqlite-schema.js";

/** Feed cursors in the `feed_cursors` table of the same file as the runs. */
export class SqliteFeedCursorStore implements FeedCursorStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabaseLike) {
    migrateSqlite(db);
    this.sql = {
      get: db.prepare<{ seq: number }>("SELECT seq FROM feed_cursors WHERE name = ?"),
      advance: db.prepare(
        `INSERT INTO feed_cursors (name, seq, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`,
      ),
    };
  }

  async get(name: string): Promise<number | null> {
    const row = this.sql.get.get(name);
    return row ? Number(row.seq) : null;
  }

  async advance(name: string, seq: number, now: number): Promise<void> {
    await writeWhenFree(this.db, () => this.sql.advance.run(name, seq, now));
  }
}
