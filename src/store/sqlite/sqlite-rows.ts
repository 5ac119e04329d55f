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

/** Parameters for the progress-only update, which touches no indexed column. */
export function progressParams(run: RunRecord): unknown[] {
  return [
    run.title,
    run.step,
    run.percent,
    run.state,
    metadataJson(run.metadata),
    run.cancelRequested ? 1 : 0,
    run.etaMs,
    run.updatedAt,
    run.heartbeatAt,
    run.version,
    run.percentSetByRun ? 1 : 0,
    formatSamples(run.samples),
    run.historyAt,
    run.id,
  ];
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
