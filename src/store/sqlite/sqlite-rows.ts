import type { ProgressSample } from "../../core/index.js";
import { metadataJson, parseMetadata } from "../metadata-json.js";
import type { HistoryPoint, RunRecord } from "../run-store.js";

/** A `progress_runs` row as SQLite returns it. */
export interface RunRow {
  id: string;
  owner: string;
  title: string;
  step: string | null;
  percent: number | null;
  status: string;
  state: string | null;
  metadata: string;
  parent_id: string | null;
  cancel_requested: number;
  eta_ms: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  heartbeat_at: number;
  version: number;
  percent_set_by_run: number;
  samples: Buffer | null;
  history_at: number;
  stale_since: number | null;
  submit_to_status_ms: number | null;
  submit_to_first_event_ms: number | null;
  submit_to_first_text_ms: number | null;
  first_text_to_paint_ms: number | null;
}

export interface HistoryRow {
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

export function rowToRecord(row: RunRow): RunRecord {
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
    cancelRequested: row.cancel_requested === 1,
    etaMs: row.eta_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    heartbeatAt: row.heartbeat_at,
    version: row.version,
    percentSetByRun: row.percent_set_by_run === 1,
    samples: parseSamples(row.samples),
    historyAt: row.history_at,
    staleSince: row.stale_since,
    submitToStatusMs: row.submit_to_status_ms,
    submitToFirstEventMs: row.submit_to_first_event_ms,
    submitToFirstTextMs: row.submit_to_first_text_ms,
    firstTextToPaintMs: row.first_text_to_paint_ms,
  };
}

/** Parameters in RUN_COLUMNS order. */
export function recordToParams(run: RunRecord): unknown[] {
  return [
    run.id,
    run.owner,
    run.title,
    run.step,
    run.percent,
    run.status,
    run.state,
    metadataJson(run.metadata),
    run.parentId,
    run.cancelRequested ? 1 : 0,
    run.etaMs,
    run.createdAt,
    run.updatedAt,
    run.completedAt,
    run.heartbeatAt,
    run.version,
    run.percentSetByRun ? 1 : 0,
    formatSamples(run.samples),
    run.historyAt,
    run.staleSince,
    run.submitToStatusMs,
    run.submitToFirstEventMs,
    run.submitToFirstTextMs,
    run.firstTextToPaintMs,
  ];
}

/** Columns an update may set, in bit order of the masks below. */
export const UPDATABLE_COLUMNS = [
  "title",
  "step",
  "percent",
  "status",
  "state",
  "metadata",
  "cancel_requested",
  "eta_ms",
  "updated_at",
  "completed_at",
  "heartbeat_at",
  "version",
  "percent_set_by_run",
  "samples",
  "history_at",
  "stale_since",
  "submit_to_status_ms",
  "submit_to_first_event_ms",
  "submit_to_first_text_ms",
  "first_text_to_paint_ms",
] as const;

/**
 * Which columns differ, as a bit mask over UPDATABLE_COLUMNS. SQLite's cost
 * per UPDATE grows with the columns it sets (about 270k rows/s for a typical
 * progress write against 160k/s setting every column), so each write sets only
 * what changed. Written out long-hand: this runs for every row of every batch.
 */
export function changedColumns(a: RunRecord, b: RunRecord): number {
  let mask = 0;
  if (a.title !== b.title) mask |= 1 << 0;
  if (a.step !== b.step) mask |= 1 << 1;
  if (a.percent !== b.percent) mask |= 1 << 2;
  if (a.status !== b.status) mask |= 1 << 3;
  if (a.state !== b.state) mask |= 1 << 4;
  if (a.metadata !== b.metadata) mask |= 1 << 5;
  if (a.cancelRequested !== b.cancelRequested) mask |= 1 << 6;
  if (a.etaMs !== b.etaMs) mask |= 1 << 7;
  if (a.updatedAt !== b.updatedAt) mask |= 1 << 8;
  if (a.completedAt !== b.completedAt) mask |= 1 << 9;
  if (a.heartbeatAt !== b.heartbeatAt) mask |= 1 << 10;
  if (a.version !== b.version) mask |= 1 << 11;
  if (a.percentSetByRun !== b.percentSetByRun) mask |= 1 << 12;
  if (a.samples !== b.samples) mask |= 1 << 13;
  if (a.historyAt !== b.historyAt) mask |= 1 << 14;
  if (a.staleSince !== b.staleSince) mask |= 1 << 15;
  if (a.submitToStatusMs !== b.submitToStatusMs) mask |= 1 << 16;
  if (a.submitToFirstEventMs !== b.submitToFirstEventMs) mask |= 1 << 17;
  if (a.submitToFirstTextMs !== b.submitToFirstTextMs) mask |= 1 << 18;
  if (a.firstTextToPaintMs !== b.firstTextToPaintMs) mask |= 1 << 19;
  return mask;
}

const updateSqlByMask = new Map<number, string>();

export function updateSql(mask: number): string {
  let sql = updateSqlByMask.get(mask);
  if (sql === undefined) {
    const sets = UPDATABLE_COLUMNS.filter((_, i) => mask & (1 << i)).map((column) => `${column} = ?`);
    sql = `UPDATE progress_runs SET ${sets.join(", ")} WHERE id = ?`;
    updateSqlByMask.set(mask, sql);
  }
  return sql;
}

/** The values of the columns in `mask`, then the id. */
export function updateParams(mask: number, run: RunRecord): unknown[] {
  const params: unknown[] = [];
  if (mask & (1 << 0)) params.push(run.title);
  if (mask & (1 << 1)) params.push(run.step);
  if (mask & (1 << 2)) params.push(run.percent);
  if (mask & (1 << 3)) params.push(run.status);
  if (mask & (1 << 4)) params.push(run.state);
  if (mask & (1 << 5)) params.push(metadataJson(run.metadata));
  if (mask & (1 << 6)) params.push(run.cancelRequested ? 1 : 0);
  if (mask & (1 << 7)) params.push(run.etaMs);
  if (mask & (1 << 8)) params.push(run.updatedAt);
  if (mask & (1 << 9)) params.push(run.completedAt);
  if (mask & (1 << 10)) params.push(run.heartbeatAt);
  if (mask & (1 << 11)) params.push(run.version);
  if (mask & (1 << 12)) params.push(run.percentSetByRun ? 1 : 0);
  if (mask & (1 << 13)) params.push(formatSamples(run.samples));
  if (mask & (1 << 14)) params.push(run.historyAt);
  if (mask & (1 << 15)) params.push(run.staleSince);
  if (mask & (1 << 16)) params.push(run.submitToStatusMs);
  if (mask & (1 << 17)) params.push(run.submitToFirstEventMs);
  if (mask & (1 << 18)) params.push(run.submitToFirstTextMs);
  if (mask & (1 << 19)) params.push(run.firstTextToPaintMs);
  params.push(run.id);
  return params;
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

/**
 * ETA samples as a BLOB of float64 pairs: rewritten on every progress write,
 * and formatting 13-digit timestamps as text cost more than the UPDATE itself.
 */
export function formatSamples(samples: readonly ProgressSample[]): Buffer {
  const values = new Float64Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as ProgressSample;
    values[i * 2] = sample[0];
    values[i * 2 + 1] = sample[1];
  }
  return Buffer.from(values.buffer);
}

export function parseSamples(blob: Buffer | null): ProgressSample[] {
  if (!Buffer.isBuffer(blob) || blob.byteLength < 16) return [];
  const values = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  const samples: ProgressSample[] = [];
  for (let i = 0; i + 1 < values.length; i += 2) samples.push([values[i] as number, values[i + 1] as number]);
  return samples;
}
