import type { AutomationStateStore, RuleCheck, RuleEpisode } from "../automation-state-store.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { migrateSqlite } from "./sqlite-schema.js";

interface EpisodeRow {
  episode: number;
  matching: number;
  version: number;
  checked_at: number;
}

/** A stored check older than the one given: a later version, or the same version looked at later, wins. */
const OLDER = "(version < ? OR (version = ? AND checked_at < ?))";

/** Episodes of repeat automations in the `automation_episodes` table of the same file as the runs. */
export class SqliteAutomationStateStore implements AutomationStateStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabaseLike) {
    migrateSqlite(db);
    this.sql = {
      get: db.prepare<EpisodeRow>(
        "SELECT episode, matching, version, checked_at FROM automation_episodes WHERE automation_id = ? AND run_id = ?",
      ),
      first: db.prepare(
        `INSERT INTO automation_episodes (automation_id, run_id, episode, matching, version, checked_at, updated_at)
         VALUES (?, ?, 1, 1, ?, ?, ?) ON CONFLICT (automation_id, run_id) DO NOTHING`,
      ),
      next: db.prepare(
        `UPDATE automation_episodes SET episode = ?, matching = 1, version = ?, checked_at = ?, updated_at = ?
         WHERE automation_id = ? AND run_id = ? AND episode = ? AND ${OLDER}`,
      ),
      end: db.prepare(
        `UPDATE automation_episodes SET matching = 0, version = ?, checked_at = ?, updated_at = ?
         WHERE automation_id = ? AND run_id = ? AND matching = 1 AND ${OLDER}`,
      ),
      sweep: db.prepare(
        `DELETE FROM automation_episodes WHERE updated_at < ? AND NOT EXISTS (
           SELECT 1 FROM progress_runs r WHERE r.id = automation_episodes.run_id AND r.status = 'running')`,
      ),
    };
  }

  async get(automationId: string, runId: string): Promise<RuleEpisode | null> {
    const row = this.sql.get.get(automationId, runId);
    if (!row) return null;
    return { episode: row.episode, matching: row.matching === 1, version: row.version, checkedAt: row.checked_at };
  }

  async begin(automationId: string, runId: string, episode: number, check: RuleCheck, now: number): Promise<boolean> {
    const { version, checkedAt } = check;
    if (episode === 1) {
      const first = await writeWhenFree(this.db, () =>
        this.sql.first.run(automationId, runId, version, checkedAt, now),
      );
      return first.changes === 1;
    }
    const args = [episode, version, checkedAt, now, automationId, runId, episode - 1, version, version, checkedAt];
    return (await writeWhenFree(this.db, () => this.sql.next.run(...args))).changes === 1;
  }

  async end(automationId: string, runId: string, check: RuleCheck, now: number): Promise<void> {
    const { version, checkedAt } = check;
    await writeWhenFree(this.db, () =>
      this.sql.end.run(version, checkedAt, now, automationId, runId, version, version, checkedAt),
    );
  }

  async sweep(before: number): Promise<number> {
    return (await writeWhenFree(this.db, () => this.sql.sweep.run(before))).changes;
  }
}
