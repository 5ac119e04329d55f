import type { AutomationStateStore, RuleCheck, RuleEpisode } from "../automation-state-store.js";
import type { PgClientLike } from "./postgres-driver.js";

/** A stored check older than ($v, $t): a later version, or the same version looked at later, wins. */
const older = (v: string, t: string) =>
  `(automation_episodes.version < ${v} OR (automation_episodes.version = ${v} AND automation_episodes.checked_at < ${t}))`;

const SQL = {
  get: "SELECT episode, matching, version, checked_at FROM automation_episodes WHERE automation_id = $1 AND run_id = $2",
  first: `INSERT INTO automation_episodes (automation_id, run_id, episode, matching, version, checked_at, updated_at)
    VALUES ($1, $2, 1, true, $3, $4, $5) ON CONFLICT (automation_id, run_id) DO NOTHING RETURNING 1 AS one`,
  next: `UPDATE automation_episodes SET episode = $3, matching = true, version = $4, checked_at = $5, updated_at = $6
    WHERE automation_id = $1 AND run_id = $2 AND episode = $3 - 1 AND ${older("$4", "$5")} RETURNING 1 AS one`,
  end: `UPDATE automation_episodes SET matching = false, version = $3, checked_at = $4, updated_at = $5
    WHERE automation_id = $1 AND run_id = $2 AND matching AND ${older("$3", "$4")}`,
  sweep: `WITH gone AS (
      DELETE FROM automation_episodes e WHERE e.updated_at < $1 AND NOT EXISTS (
        SELECT 1 FROM progress_runs r WHERE r.id = e.run_id AND r.status = 'running')
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`,
};

interface EpisodeRow extends Record<string, unknown> {
  episode: number;
  matching: boolean;
  version: number;
  checked_at: number;
}

/** Episodes of repeat automations in the `automation_episodes` table of the same schema as the runs. */
export class PostgresAutomationStateStore implements AutomationStateStore {
  constructor(
    private readonly client: PgClientLike,
    private readonly ready: Promise<unknown>,
  ) {}

  async get(automationId: string, runId: string): Promise<RuleEpisode | null> {
    await this.ready;
    const [row] = await this.client.unsafe<EpisodeRow>(SQL.get, [automationId, runId]);
    if (!row) return null;
    return {
      episode: Number(row.episode),
      matching: row.matching,
      version: Number(row.version),
      checkedAt: Number(row.checked_at),
    };
  }

  async begin(automationId: string, runId: string, episode: number, check: RuleCheck, now: number): Promise<boolean> {
    await this.ready;
    const rows =
      episode === 1
        ? await this.client.unsafe(SQL.first, [automationId, runId, check.version, check.checkedAt, now])
        : await this.client.unsafe(SQL.next, [automationId, runId, episode, check.version, check.checkedAt, now]);
    return rows.length === 1;
  }

  async end(automationId: string, runId: string, check: RuleCheck, now: number): Promise<void> {
    await this.ready;
    await this.client.unsafe(SQL.end, [automationId, runId, check.version, check.checkedAt, now]);
  }

  async sweep(before: number): Promise<number> {
    await this.ready;
    const [row] = await this.client.unsafe<{ n: number }>(SQL.sweep, [before]);
    return row?.n ?? 0;
  }
}
