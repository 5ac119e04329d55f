import { diagnosticsOf, REPORT_SLACK_MS } from "./diagnostics.js";
import { ValidationError } from "./errors.js";
import { addSample, estimateEtaMs, type ProgressSample } from "./eta.js";
import type {
  AgentRun,
  CompleteOptions,
  DiagnosticsReport,
  RunAttention,
  RunMetadata,
  RunPatch,
  RunState,
  StartRunInput,
  TerminalStatus,
} from "./types.js";

/**
 * A run as the store keeps it: times as epoch milliseconds, plus the
 * bookkeeping behind derived fields (ETA samples, who sets the percent).
 */
export interface RunRecord
  extends Omit<
    AgentRun,
    "createdAt" | "startedAt" | "updatedAt" | "completedAt" | "heartbeatAt" | "attention" | "diagnostics"
  > {
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  heartbeatAt: number;
  /** True once the run set its own percent; a parent that never did shows its children's roll-up. */
  percentSetByRun: boolean;
  samples: ProgressSample[];
  /** When the run's history last got a point; history is sampled, not one row per write. */
  historyAt: number;
  /** When the watchdog found it silent past its stale threshold; cleared by the next sign of life. */
  staleSince: number | null;
  /** Diagnostics, set once each (see RunDiagnostics and `noteActivity`). */
  submitToStatusMs: number | null;
  submitToFirstEventMs: number | null;
  submitToFirstTextMs: number | null;
  firstTextToPaintMs: number | null;
}

const TERMINAL_STATE: Record<TerminalStatus, RunState> = {
  succeeded: "completed",
  failed: "failed",
  cancelled: "cancelled",
};

export function createRecord(id: string, input: StartRunInput, now: number): RunRecord {
  const percent = input.percent ?? null;
  const samples = percent === null ? [] : [[now, percent] as const];
  return {
    id,
    owner: input.owner,
    title: input.title,
    step: input.step ?? null,
    percent,
    status: "running",
    state: input.state ?? null,
    metadata: input.metadata ?? {},
    parentId: input.parentId ?? null,
    cancelRequested: false,
    etaMs: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    heartbeatAt: now,
    version: 1,
    percentSetByRun: percent !== null,
    samples,
    historyAt: now,
    staleSince: null,
    submitToStatusMs: null,
    submitToFirstEventMs: null,
    submitToFirstTextMs: null,
    firstTextToPaintMs: null,
  };
}

/** Sets percent on a fresh copy (mutates `next`, which the caller just made). */
function setPercent(next: RunRecord, percent: number | null, now: number): RunRecord {
  if (percent === null) {
    next.percent = null;
    next.samples = [];
    next.etaMs = null;
  } else {
    next.percent = percent;
    next.samples = addSample(next.samples, now, percent);
    next.etaMs = estimateEtaMs(next.samples);
  }
  return next;
}

/**
 * A field-by-field copy: every transition makes one, and V8 builds a literal
 * of known shape several times faster than it spreads a 20-field object.
 */
export function copyRecord(run: RunRecord): RunRecord {
  return {
    id: run.id,
    owner: run.owner,
    title: run.title,
    step: run.step,
    percent: run.percent,
    status: run.status,
    state: run.state,
    metadata: run.metadata,
    parentId: run.parentId,
    cancelRequested: run.cancelRequested,
    etaMs: run.etaMs,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    completedAt: run.completedAt,
    heartbeatAt: run.heartbeatAt,
    version: run.version,
    percentSetByRun: run.percentSetByRun,
    samples: run.samples,
    historyAt: run.historyAt,
    staleSince: run.staleSince,
    submitToStatusMs: run.submitToStatusMs,
    submitToFirstEventMs: run.submitToFirstEventMs,
    submitToFirstTextMs: run.submitToFirstTextMs,
    firstTextToPaintMs: run.firstTextToPaintMs,
  };
}

/** A copy one version on, changed at `now`. */
function nextVersion(run: RunRecord, now: number): RunRecord {
  const next = copyRecord(run);
  next.updatedAt = now;
  next.version = run.version + 1;
  return next;
}

/** Applies a validated patch to a running run. */
export function applyPatch(run: RunRecord, patch: RunPatch, now: number): RunRecord {
  const next = nextVersion(run, now);
  next.heartbeatAt = now;
  next.staleSince = null;
  if (patch.percent !== undefined) {
    setPercent(next, patch.percent, now);
    next.percentSetByRun = true;
  }
  if (patch.step !== undefined) next.step = patch.step;
  if (patch.title !== undefined) next.title = patch.title;
  if (patch.state !== undefined) next.state = patch.state;
  if (patch.metadata !== undefined) next.metadata = mergeMetadata(run.metadata, patch.metadata);
  return next;
}

/** Percent derived from children: only for a parent that never set its own. */
export function applyRollup(run: RunRecord, percent: number | null, step: string | null, now: number): RunRecord {
  const next = setPercent(nextVersion(run, now), percent, now);
  if (step !== null) next.step = step;
  return next;
}

export function applyComplete(
  run: RunRecord,
  status: TerminalStatus,
  options: CompleteOptions,
  now: number,
): RunRecord {
  const next: RunRecord = {
    ...run,
    status,
    state: TERMINAL_STATE[status],
    completedAt: now,
    updatedAt: now,
    heartbeatAt: now,
    version: run.version + 1,
    etaMs: status === "succeeded" ? 0 : null,
    staleSince: null,
  };
  if (status === "succeeded") next.percent = 100;
  if (options.step !== undefined) next.step = options.step;
  if (options.metadata !== undefined) next.metadata = mergeMetadata(run.metadata, options.metadata);
  return next;
}

/** A sign of life: the run's own heartbeat, or activity of one of its children. */
export function applyHeartbeat(run: RunRecord, now: number): RunRecord {
  const next = copyRecord(run);
  next.heartbeatAt = now;
  next.staleSince = null;
  next.version = run.version + 1;
  return next;
}

/** The watchdog found the run silent past its stale threshold. */
export function applyStale(run: RunRecord, now: number): RunRecord {
  const next = copyRecord(run);
  next.staleSince = now;
  next.version = run.version + 1;
  return next;
}

/** The step of a run the watchdog completed as failed after `silentMs` without a sign of life. */
export function abandonedStep(silentMs: number): string {
  const minutes = Math.max(1, Math.round(silentMs / 60_000));
  return `Abandoned after ${minutes} minute${minutes === 1 ? "" : "s"} without progress`;
}

/** Whether a failed run's step is the watchdog's (the run was abandoned, not failed by its agent). */
export function isAbandonedStep(step: string | null): boolean {
  return step !== null && /^Abandoned after \d+ minutes? without progress$/.test(step);
}

/** What should draw a person's eye to the run now (derived, never stored). */
export function attentionOf(run: RunRecord): RunAttention {
  if (run.status === "failed") return "failed";
  if (run.status !== "running") return null;
  if (run.state === "action_required") return "action_required";
  return run.staleSince === null ? null : "stale";
}

/**
 * A client's report on the run (its first paint of the text, or when it saw
 * text start). Only values not yet set are kept: the first report wins, and
 * a later one changes nothing (the same record comes back). It is no sign of
 * life and moves neither `updatedAt` nor `heartbeatAt`: clients count ETAs
 * and stalls from those. Only `version` moves, so the new copy wins over the old.
 */
export function applyDiagnosticsReport(run: RunRecord, report: DiagnosticsReport, now: number): RunRecord {
  const ceiling = Math.max(0, now - run.createdAt) + REPORT_SLACK_MS;
  for (const field of ["firstTextToPaintMs", "submitToFirstTextMs"] as const) {
    const value = report[field];
    if (value !== undefined && value > ceiling) {
      throw new ValidationError(
        field,
        `must be at most the run's age plus ${REPORT_SLACK_MS} ms (${ceiling} ms for this run); got ${value}`,
      );
    }
  }
  const paint = run.firstTextToPaintMs === null ? report.firstTextToPaintMs : undefined;
  const text = run.submitToFirstTextMs === null ? report.submitToFirstTextMs : undefined;
  if (paint === undefined && text === undefined) return run;
  const next = copyRecord(run);
  next.version = run.version + 1;
  if (paint !== undefined) next.firstTextToPaintMs = paint;
  if (text !== undefined) next.submitToFirstTextMs = text;
  return next;
}

export function applyCancelRequest(run: RunRecord, now: number): RunRecord {
  const next = nextVersion(run, now);
  next.cancelRequested = true;
  return next;
}

/** Shallow merge: keys in the patch replace the run's; other keys stay. */
export function mergeMetadata(current: RunMetadata, patch: RunMetadata): RunMetadata {
  return { ...current, ...patch };
}

// Formatting dates is a hot spot under load; most runs in a batch share the same instants.
const isoCache = new Map<number, string>();
function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size >= 4096) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

/**
 * The public shape of a stored run, as of `now`: the one value that depends
 * on it is `diagnostics.lastEventAgeMs`. A batch passes its commit time, so a
 * run in an event says how long it had been silent when that change committed;
 * reads pass the wall clock. (Default: Date.now())
 */
export function toAgentRun(run: RunRecord, now: number = Date.now()): AgentRun {
  return {
    id: run.id,
    owner: run.owner,
    title: run.title,
    step: run.step,
    percent: run.percent,
    status: run.status,
    state: run.state,
    metadata: run.metadata,
    parentId: run.parentId,
    cancelRequested: run.cancelRequested,
    etaMs: run.etaMs,
    attention: attentionOf(run),
    createdAt: iso(run.createdAt),
    startedAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    completedAt: run.completedAt === null ? null : iso(run.completedAt),
    heartbeatAt: iso(run.heartbeatAt),
    version: run.version,
    diagnostics: diagnosticsOf(run, now),
  };
}
