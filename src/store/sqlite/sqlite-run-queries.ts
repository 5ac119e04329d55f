import { type AgentRun, LIMITS, type ListRunsOptions, type RunCounts, toAgentRun } from "../../core/index.js";
import type { SqliteDatabaseLike, SqliteStatementLike } from "./sqlite-driver.js";
import { RUN_COLUMNS, type RunRow, rowToRecord } from "./sqlite-rows.js";

/**
 * Search and counts over all of an owner's runs, server-side. Every query
 * filters on `owner` first, so it runs on the `(owner, id)` or
 * `(owner, status, id)` index; a title search then scans only that owner's rows.
 */

const cache = new WeakMap<SqliteDatabaseLike, Map<string, SqliteStatementLike<unknown>>>();

function prepared<Row>(db: SqliteDatabaseLike, sql: string): SqliteStatementLike<Row> {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement as SqliteStatementLike<Row>;
}

/** `%`, `_` and the escape character itself match only themselves. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface Filter {
  where: string[];
  params: unknown[];
}

function filterFor(owner: string, options: { q?: string; status?: string; parentId?: string }): Filter {
  const where = ["owner = ?"];
  const params: unknown[] = [owner];
  if (options.status !== undefined) {
    where.push("status = ?");
    params.push(options.status);
  }
  if (options.parentId !== undefined) {
    where.push("parent_id = ?");
    params.push(options.parentId);
  }
  if (options.q) {
    // LIKE folds ASCII letters only; other characters match as written.
    where.push("title LIKE ? ESCAPE '\\'");
    params.push(likePattern(options.q));
  }
  return { where, params };
}

/** One page of the owner's runs matching `q` and `status` (and the other list options), newest first. */
export function searchRuns(db: SqliteDatabaseLike, owner: string, options: ListRunsOptions): AgentRun[] {
  const status = options.status ?? (options.activeOnly ? "running" : undefined);
  if (options.activeOnly && options.status !== undefined && options.status !== "running") return [];
  const { where, params } = filterFor(owner, { q: options.q, status, parentId: options.parentId });
  where.push("id < ?");
  params.push(options.cursor ?? "\uffff", options.limit ?? LIMITS.listLimitDefault);
  const sql = `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`;
  return prepared<RunRow>(db, sql)
    .all(...params)
    .map((row) => toAgentRun(rowToRecord(row)));
}

/** How many of the owner's runs (whose title contains `q`, when given) there are, in all and per status. */
export function countRuns(db: SqliteDatabaseLike, owner: string, options: { q?: string } = {}): RunCounts {
  const { where, params } = filterFor(owner, { q: options.q });
  const sql = `SELECT status, count(*) AS n FROM progress_runs WHERE ${where.join(" AND ")} GROUP BY status`;
  const counts: RunCounts = { total: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const { status, n } of prepared<{ status: string; n: number }>(db, sql).all(...params)) {
    if (status in counts && status !== "total") counts[status as keyof RunCounts] = n;
    counts.total += n;
  }
  return counts;
}
