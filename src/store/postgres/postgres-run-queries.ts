import { type AgentRun, LIMITS, type ListRunsOptions, type RunCounts, toAgentRun } from "../../core/index.js";
import type { PgSqlLike } from "./postgres-driver.js";
import { RUN_COLUMNS, type RunRow, rowToRecord } from "./postgres-rows.js";

/**
 * Listing, search and counts over an owner's runs, server-side, with SQLite's
 * meanings: every query filters on `owner` first; ids compare byte-wise.
 */

/** `%`, `_` and the escape character itself match only themselves. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface Filter {
  where: string[];
  params: unknown[];
}

function filterFor(owner: string, options: { q?: string; status?: string; parentId?: string }): Filter {
  const params: unknown[] = [owner];
  const where = ["owner = $1"];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (options.status !== undefined) where.push(`status = ${param(options.status)}`);
  if (options.parentId !== undefined) where.push(`parent_id = ${param(options.parentId)}`);
  if (options.q) {
    // As SQLite's LIKE: ASCII letters fold, other characters match as written (lower() under "C" folds ASCII only).
    where.push(`lower(title COLLATE "C") LIKE lower(${param(likePattern(options.q))} COLLATE "C") ESCAPE '\\'`);
  }
  return { where, params };
}

/** One page of the owner's runs (filtered as the options say), newest first. */
export async function listRuns(sql: PgSqlLike, owner: string, options: ListRunsOptions): Promise<AgentRun[]> {
  const status = options.status ?? (options.activeOnly ? "running" : undefined);
  if (options.activeOnly && options.status !== undefined && options.status !== "running") return [];
  const { where, params } = filterFor(owner, { q: options.q, status, parentId: options.parentId });
  params.push(options.cursor ?? "\uffff", options.limit ?? LIMITS.listLimitDefault);
  where.push(`id < $${params.length - 1}`);
  const query = `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT $${params.length}`;
  const rows = await sql.unsafe<RunRow>(query, params);
  return rows.map((row) => toAgentRun(rowToRecord(row)));
}

/** How many of the owner's runs (whose title contains `q`, when given) there are, in all and per status. */
export async function countRuns(sql: PgSqlLike, owner: string, options: { q?: string } = {}): Promise<RunCounts> {
  const { where, params } = filterFor(owner, { q: options.q });
  const query = `SELECT status, count(*) AS n FROM progress_runs WHERE ${where.join(" AND ")} GROUP BY status`;
  const counts: RunCounts = { total: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const { status, n } of await sql.unsafe<{ status: string; n: number }>(query, params)) {
    if (status in counts && status !== "total") counts[status as keyof RunCounts] = n;
    counts.total += n;
  }
  return counts;
}
