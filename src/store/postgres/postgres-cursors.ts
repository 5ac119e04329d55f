import type { FeedCursorStore } from "../feed-cursor-store.js";
import type { PgClientLike } from "./postgres-driver.js";

const GET = "SELECT seq FROM feed_cursors WHERE name = $1";
const ADVANCE = `INSERT INTO feed_cursors (name, seq, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET seq = greatest(feed_cursors.seq, excluded.seq), updated_at = excluded.updated_at`;

/** Feed cursors in the `feed_cursors` table of the same schema as the runs. */
export class PostgresFeedCursorStore implements FeedCursorStore {
  constructor(
    private readonly client: PgClientLike,
    private readonly ready: Promise<unknown>,
  ) {}

  async get(name: string): Promise<number | null> {
    await this.ready;
    const [row] = await this.client.unsafe<{ seq: number }>(GET, [name]);
    return row ? Number(row.seq) : null;
  }

  async advance(name: string, seq: number, now: number): Promise<void> {
    await this.ready;
    await this.client.unsafe(ADVANCE, [name, seq, now]);
  }
}
