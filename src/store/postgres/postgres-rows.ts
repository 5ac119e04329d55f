import type { ProgressSample } from "../../core/index.js";
import { metadataJson, parseMetadata } from "../metadata-json.js";
import type { HistoryPoint, RunRecord } from "../run-store.js";

/** A `progress_runs` row as the driver returns it (int8 parsed to numbers, jsonb to values). */
export interface RunRow {
  [column: string]: unknown;
  id: string;
  owner: string;
  title: string;
  step: string | null;
  percent: number | null;
  status: string;
  state: string | null;
  metadata: string;
  parent_id: string | null;
  cancel_requested: boolean;
  eta_ms: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  heartbeat_at: number;
  version: number;
  percent_set_by_run: boolean;
  samples: ProgressSample[];
  history_at: number;
  stale_since: number | null;
  submit_to_status_ms: number | null;
  submit_to_first_event_ms: number | null;
  submit_to_first_text_ms: number | null;
  first_text_to_paint_ms: number | null;
}

export interface HistoryRow {
  [column: string]: unknown;
  version: number;
  at: number;
  type: string;
  percent: number | null;
  step: string | null;
  status: string;
  state: string | null;
}

export const RUN_COLUMNS =
  "id, owner, title, step, percent, status, state, metadata, parent_id, cancel_requested, eta_ms, created_at, updated_at, completed_at, heartbeat_at, version, percent_set_by_run, samples, history_at, stale_since, submit_to_status_ms, submit_to_first_event_ms, submit_to_first_text_ms, first_text_to_paint_ms";

/**
 * The column list `jsonb_to_recordset` needs to turn a JSON array of rows
 * (one parameter, however many rows) into typed rows: the batch writes many
 * rows with one statement and one round trip.
 */
export const RUN_RECORDSET = `x(id text, owner text, title text, step text, percent integer, status text, state text,
  metadata text, parent_id text, cancel_requested boolean, eta_ms bigint, created_at bigint, updated_at bigint,
  completed_at bigint, heartbeat_at bigint, version integer, percent_set_by_run boolean, samples jsonb,
  history_at bigint, stale_since bigint, submit_to_status_ms bigint, submit_to_first_event_ms bigint,
  submit_to_first_text_ms bigint, first_text_to_paint_ms bigint)`;

export function rowToRecord(row: RunRow): RunRecord {
  // Metadata is stored as text, not jsonb: jsonb would reorder keys and drop duplicates.
  const metadata = parseMetadata(row.metadata);
  return {
    id: row.id,
    owner: row.owner,
    title: row.title,
    step: row.step,
    percent: row.percent,
    status: row.status as RunRecord["status"],
    state: row.state as RunRecord["state"],
    metadata,
    parentId: row.parent_id,
    cancelRequested: row.cancel_requested,
    etaMs: row.eta_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    heartbeatAt: row.heartbeat_at,
    version: row.version,
    percentSetByRun: row.percent_set_by_run,
    samples: Array.isArray(row.samples) ? row.samples : [],
    historyAt: row.history_at,
    staleSince: row.stale_since,
    submitToStatusMs: row.submit_to_status_ms,
    submitToFirstEventMs: row.submit_to_first_event_ms,
    submitToFirstTextMs: row.submit_to_first_text_ms,
    firstTextToPaintMs: row.first_text_to_paint_ms,
  };
}

/** A record as one element of the JSON array `RUN_RECORDSET` reads. */
export function recordToRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    owner: run.owner,
    title: run.title,
    step: run.step,
    percent: run.percent,
    status: run.status,
    state: run.state,
    metadata: metadataJson(run.metadata),
    parent_id: run.parentId,
    cancel_requested: run.cancelRequested,
    eta_ms: run.etaMs,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    completed_at: run.completedAt,
    heartbeat_at: run.heartbeatAt,
    version: run.version,
    percent_set_by_run: run.percentSetByRun,
    samples: run.samples as ProgressSample[],
    history_at: run.historyAt,
    stale_since: run.staleSince,
    submit_to_status_ms: run.submitToStatusMs,
    submit_to_first_event_ms: run.submitToFirstEventMs,
    submit_to_first_text_ms: run.submitToFirstTextMs,
    first_text_to_paint_ms: run.firstTextToPaintMs,
  };
}

export function historyRowToPoint(row: HistoryRow): HistoryPoint {
  return {
    version: row.version,
    at: new Date(row.at).toISOString(),
    type: row.type as HistoryPoint["type"],
    percent: row.percent,
    step: row.step,
    status: row.status as HistoryPoint["status"],
    state: row.state as HistoryPoint["state"],
  };
}
