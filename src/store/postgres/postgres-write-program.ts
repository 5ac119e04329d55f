import type { BatchPlan } from "../batch-plan.js";
import { encodeChanges, type RunChange } from "../change-feed.js";
import type { PgSqlLike } from "./postgres-driver.js";
import { RUN_COLUMNS, RUN_RECORDSET, recordToRow } from "./postgres-rows.js";

/**
 * A batch's writes: one statement per kind, however many rows (each takes
 * its rows as one JSON or array parameter), in the batch's transaction (the
 * transactor sends them one after another, never pipelined: see Transactor).
 */

const INSERT_RUNS = `INSERT INTO progress_runs (${RUN_COLUMNS})
  SELECT ${RUN_COLUMNS} FROM jsonb_to_recordset($1::text::jsonb) AS ${RUN_RECORDSET}`;
// Every column but the identity ones: a row version in PostgreSQL is a whole new tuple anyway.
const UPDATE_RUNS = `UPDATE progress_runs r SET title = x.title, step = x.step, percent = x.percent,
  status = x.status, state = x.state, metadata = x.metadata, cancel_requested = x.cancel_requested,
  eta_ms = x.eta_ms, updated_at = x.updated_at, completed_at = x.completed_at, heartbeat_at = x.heartbeat_at,
  version = x.version, percent_set_by_run = x.percent_set_by_run, samples = x.samples, history_at = x.history_at,
  stale_since = x.stale_since, submit_to_status_ms = x.submit_to_status_ms,
  submit_to_first_event_ms = x.submit_to_first_event_ms, submit_to_first_text_ms = x.submit_to_first_text_ms,
  first_text_to_paint_ms = x.first_text_to_paint_ms
  FROM jsonb_to_recordset($1::text::jsonb) AS ${RUN_RECORDSET} WHERE r.id = x.id`;
const DELETE_HISTORY = "DELETE FROM run_history WHERE run_id = ANY($1::text[])";
const DELETE_RUNS = "DELETE FROM progress_runs WHERE id = ANY($1::text[])";
// ORDER BY i: history sequences follow the plan's order.
const INSERT_HISTORY = `INSERT INTO run_history (run_id, version, at, type, percent, step, status, state)
  SELECT run_id, version, at, type, percent, step, status, state
  FROM jsonb_to_recordset($1::text::jsonb)
    AS x(i integer, run_id text, version integer, at bigint, type text, percent integer, step text, status text, state text)
  ORDER BY i`;
// Trimmed as it grows, not only at completion: one index probe per run finds its oldest point to keep.
const TRIM_HISTORY = `DELETE FROM run_history h USING unnest($1::text[]) AS t(run_id)
  WHERE h.run_id = t.run_id AND h.seq < (
    SELECT k.seq FROM run_history k WHERE k.run_id = t.run_id ORDER BY k.seq DESC OFFSET $2::int - 1 LIMIT 1)`;
// The NOTIFY is sent at commit, and carries only the sequence: a hint to read the feed.
const INSERT_CHANGE = `WITH entry AS (
    INSERT INTO change_log (seq, writer, at, started, updated, deleted, status_updates, notifications)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $9))
  SELECT pg_notify($8, $1::bigint::text)`;
const INSERT_NOTIFICATIONS = `INSERT INTO notifications
  (id, owner, title, body, severity, run_id, source, dedupe_key, created_at, read_at)
  SELECT id, owner, title, body, severity, run_id, source, dedupe_key, created_at, NULL
  FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, owner text, title text, body text, severity text,
    run_id text, source text, dedupe_key text, created_at bigint)`;
const TRIM_CHANGES = "DELETE FROM change_log WHERE seq <= $1";

export interface ProgramOptions {
  writerId: string;
  historyLimit: number;
  changeLogLimit: number;
  /** The NOTIFY channel of this schema. */
  channel: string;
}

/** Writes the plan inside the caller's transaction as change-log entry `seq`; returns how many run rows it wrote. */
export async function runWriteProgram(
  sql: PgSqlLike,
  plan: BatchPlan,
  changes: readonly RunChange[],
  seq: number,
  now: number,
  options: ProgramOptions,
): Promise<number> {
  const { inserts, updates, deletes } = plan.writes();
  const statements: Array<Promise<unknown>> = [];
  const run = (query: string, params: readonly unknown[]) => statements.push(sql.unsafe(query, params));
  if (inserts.length > 0) run(INSERT_RUNS, [JSON.stringify(inserts.map(recordToRow))]);
  if (updates.length > 0) run(UPDATE_RUNS, [JSON.stringify(updates.map(({ after }) => recordToRow(after)))]);
  if (deletes.length > 0) {
    const ids = deletes.map((row) => row.id);
    run(DELETE_HISTORY, [ids]);
    run(DELETE_RUNS, [ids]);
  }
  if (plan.history.length > 0) {
    const points = plan.history.map(({ runId, point }, i) => ({ i, run_id: runId, ...point }));
    run(INSERT_HISTORY, [JSON.stringify(points)]);
    run(TRIM_HISTORY, [[...new Set(points.map((point) => point.run_id))], options.historyLimit]);
  }
  if (plan.notifications.length > 0) {
    const rows = plan.notifications.map((n) => ({
      id: n.id,
      owner: n.owner,
      title: n.title,
      body: n.body,
      severity: n.severity,
      run_id: n.runId,
      source: n.source,
      dedupe_key: n.dedupeKey,
      created_at: n.createdAt,
    }));
    run(INSERT_NOTIFICATIONS, [JSON.stringify(rows)]);
  }
  const ids = encodeChanges(changes);
  run(INSERT_CHANGE, [
    seq,
    options.writerId,
    now,
    ids.started,
    ids.updated,
    ids.deleted,
    ids.statusUpdates,
    options.channel,
    ids.notifications,
  ]);
  if (seq % 1000 === 0) run(TRIM_CHANGES, [seq - options.changeLogLimit]);
  await Promise.all(statements);
  return inserts.length + updates.length + deletes.length;
}
