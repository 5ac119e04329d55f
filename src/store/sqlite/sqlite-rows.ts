import type { ProgressSample } from "../../core/index.js";
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
  samples: string;
  history_at: number;
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
  "id, owner, title, step, percent, status, state, metadata, parent_id, cancel_requested, eta_ms, created_at, updated_at, completed_at, heartbeat_at, version, percent_set_by_run, samples, history_at";

// Metadata objects are never mutated (every change makes a new one), so their JSON can be cached.
const jsonOf = new WeakMap<object, string>();

export function metadataJson(metadata: Record<string, unknown>): string {
  let text = jsonOf.get(metadata);
  if (text === undefined) {
    text = JSON.stringify(metadata);
    jsonOf.set(metadata, text);
  }
  return text;
}

export function rowToRecord(row: RunRow): RunRecord {
  const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
  jsonOf.set(metadata, row.metadata);
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
  ];
}

/** Columns an update may change, with how to read each from a record. */
export const UPDATABLE_COLUMNS: ReadonlyArray<readonly [string, (run: RunRecord) => unknown]> = [
  ["title", (run) => run.title],
  ["step", (run) => run.step],
  ["percent", (run) => run.percent],
  ["status", (run) => run.status],
  ["state", (run) => run.state],
  ["metadata", (run) => metadataJson(run.metadata)],
  ["cancel_requested", (run) => (run.cancelRequested ? 1 : 0)],
  ["eta_ms", (run) => run.etaMs],
  ["updated_at", (run) => run.updatedAt],
  ["completed_at", (run) => run.completedAt],
  ["heartbeat_at", (run) => run.heartbeatAt],
  ["version", (run) => run.version],
  ["percent_set_by_run", (run) => (run.percentSetByRun ? 1 : 0)],
  ["samples", (run) => formatSamples(run.samples)],
  ["history_at", (run) => run.historyAt],
];

const FIELD_CHANGED: ReadonlyArray<(before: RunRecord, after: RunRecord) => boolean> = [
  (a, b) => a.title !== b.title,
  (a, b) => a.step !== b.step,
  (a, b) => a.percent !== b.percent,
  (a, b) => a.status !== b.status,
  (a, b) => a.state !== b.state,
  (a, b) => a.metadata !== b.metadata,
  (a, b) => a.cancelRequested !== b.cancelRequested,
  (a, b) => a.etaMs !== b.etaMs,
  (a, b) => a.updatedAt !== b.updatedAt,
  (a, b) => a.completedAt !== b.completedAt,
  (a, b) => a.heartbeatAt !== b.heartbeatAt,
  (a, b) => a.version !== b.version,
  (a, b) => a.percentSetByRun !== b.percentSetByRun,
  (a, b) => a.samples !== b.samples,
  (a, b) => a.historyAt !== b.historyAt,
];

/**
 * Which columns differ, as a bit mask over UPDATABLE_COLUMNS. SQLite's cost
 * per UPDATE grows with the columns it sets (about 270k rows/s for a typical
 * progress write against 160k/s setting every column), so each write sets only
 * what changed.
 */
export function changedColumns(before: RunRecord, after: RunRecord): number {
  let mask = 0;
  for (let i = 0; i < FIELD_CHANGED.length; i++) if (FIELD_CHANGED[i]?.(before, after)) mask |= 1 << i;
  return mask;
}

export function updateSql(mask: number): string {
  const sets = UPDATABLE_COLUMNS.filter((_, i) => mask & (1 << i)).map(([column]) => `${column} = ?`);
  return `UPDATE progress_runs SET ${sets.join(", ")} WHERE id = ?`;
}

export function updateParams(mask: number, run: RunRecord): unknown[] {
  const params: unknown[] = [];
  for (let i = 0; i < UPDATABLE_COLUMNS.length; i++) if (mask & (1 << i)) params.push(UPDATABLE_COLUMNS[i]?.[1](run));
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

/** ETA samples as "at,percent,at,percent": rewritten on every progress write, so kept cheap. */
export function formatSamples(samples: readonly ProgressSample[]): string {
  let text = "";
  for (const [at, percent] of samples) text += text ? `,${at},${percent}` : `${at},${percent}`;
  return text;
}

export function parseSamples(text: string): ProgressSample[] {
  if (!text) return [];
  const parts = text.split(",").map(Number);
  const samples: ProgressSample[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) samples.push([parts[i] as number, parts[i + 1] as number]);
  return samples;
}
