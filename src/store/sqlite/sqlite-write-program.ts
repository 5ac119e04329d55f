import type { BatchPlan } from "../batch-plan.js";
import { encodeChanges, type RunChange } from "../change-feed.js";
import type { SqliteDatabaseLike, SqliteStatementLike } from "./sqlite-driver.js";
import { changedColumns, RUN_COLUMNS, recordToParams, updateParams, updateSql } from "./sqlite-rows.js";

/** A batch's writes as plain data: SQL text and parameters, then run in the batch's transaction. */
export interface WriteProgram {
  /** The distinct statements of this program. */
  sqls: string[];
  /** Flat: statement index, parameter count, the parameters; again and again. */
  steps: unknown[];
  /** Parameters of the change-log entry: writer, at, started, updated, deleted, status updates, notifications (JSON). */
  changeLog: [string, number, string, string, string, string | null, string | null];
  changeLogLimit: number;
  rowWrites: number;
}

const INSERT_RUN = `INSERT INTO progress_runs (${RUN_COLUMNS}) VALUES (${RUN_COLUMNS.split(",")
  .map(() => "?")
  .join(", ")})`;
const DELETE_RUN = "DELETE FROM progress_runs WHERE id = ?";
const DELETE_HISTORY = "DELETE FROM run_history WHERE run_id = ?";
const INSERT_HISTORY =
  "INSERT INTO run_history (run_id, version, at, type, percent, step, status, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
const TRIM_HISTORY = `DELETE FROM run_history WHERE run_id = ? AND seq < coalesce((
  SELECT seq FROM run_history WHERE run_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ? - 1), 0)`;
const INSERT_CHANGE =
  "INSERT INTO change_log (writer, at, started, updated, deleted, status_updates, notifications) VALUES (?, ?, ?, ?, ?, ?, ?)";
const INSERT_NOTIFICATION = `INSERT INTO notifications
  (id, owner, title, body, severity, run_id, source, dedupe_key, created_at, read_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`;
const TRIM_CHANGES = "DELETE FROM change_log WHERE seq <= ?";

export interface ProgramOptions {
  writerId: string;
  historyLimit: number;
  changeLogLimit: number;
}

export function buildWriteProgram(
  plan: BatchPlan,
  changes: readonly RunChange[],
  now: number,
  options: ProgramOptions,
): WriteProgram {
  const { inserts, updates, deletes } = plan.writes();
  const sqls: string[] = [];
  const indexOf = new Map<string, number>();
  const steps: unknown[] = [];
  const step = (sql: string, params: readonly unknown[]) => {
    let index = indexOf.get(sql);
    if (index === undefined) {
      index = sqls.push(sql) - 1;
      indexOf.set(sql, index);
    }
    steps.push(index, params.length, ...params);
  };
  for (const run of inserts) step(INSERT_RUN, recordToParams(run));
  for (const { before, after } of updates) {
    const mask = changedColumns(before, after);
    if (mask !== 0) step(updateSql(mask), updateParams(mask, after));
  }
  for (const run of deletes) {
    step(DELETE_HISTORY, [run.id]);
    step(DELETE_RUN, [run.id]);
  }
  for (const { runId, point } of plan.history) {
    step(INSERT_HISTORY, [
      runId,
      point.version,
      point.at,
      point.type,
      point.percent,
      point.step,
      point.status,
      point.state,
    ]);
    // Trimmed as it grows, not only at completion: a run that runs for days keeps `historyLimit` points.
    step(TRIM_HISTORY, [runId, runId, options.historyLimit]);
  }
  for (const n of plan.notifications) {
    step(INSERT_NOTIFICATION, [
      n.id,
      n.owner,
      n.title,
      n.body,
      n.severity,
      n.runId,
      n.source,
      n.dedupeKey,
      n.createdAt,
    ]);
  }
  const ids = encodeChanges(changes);
  return {
    sqls,
    steps,
    changeLog: [options.writerId, now, ids.started, ids.updated, ids.deleted, ids.statusUpdates, ids.notifications],
    changeLogLimit: options.changeLogLimit,
    rowWrites: inserts.length + updates.length + deletes.length,
  };
}

/** Prepared statements by SQL text, per connection. */
export type StatementCache = Map<string, SqliteStatementLike>;

/**
 * Runs a program inside the caller's transaction; returns the commit sequence
 * (the change-log entry's id: AUTOINCREMENT under the write lock, so it
 * increases in commit order across every connection to the file).
 */
export function runWriteProgram(db: SqliteDatabaseLike, cache: StatementCache, program: WriteProgram): number {
  const statement = (sql: string) => {
    let prepared = cache.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      cache.set(sql, prepared);
    }
    return prepared;
  };
  const prepared = program.sqls.map(statement);
  const { steps } = program;
  for (let i = 0; i < steps.length; ) {
    const target = prepared[steps[i] as number] as SqliteStatementLike;
    const count = steps[i + 1] as number;
    target.run(...steps.slice(i + 2, i + 2 + count));
    i += 2 + count;
  }
  const seq = Number(statement(INSERT_CHANGE).run(...program.changeLog).lastInsertRowid);
  if (seq % 1000 === 0) statement(TRIM_CHANGES).run(seq - program.changeLogLimit);
  return seq;
}
