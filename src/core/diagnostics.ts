import type { RunRecord } from "./run.js";
import { type RunDiagnostics, STORED_DIAGNOSTICS, type StoredDiagnostic } from "./types.js";

/**
 * Per-run diagnostics: how long a person waited for the first status, the
 * first sign of life, the first answer text and its first paint, and how
 * long a running run has been silent. The write-derived ones are set here,
 * inside the batch rules both backends share; each is set once (the first
 * value wins) and never recomputed.
 */

/**
 * A reported value may exceed the run's age by this much: a client starts
 * its own clock at the person's submit, a little before the server creates
 * the run, and reports a little after what it measured.
 */
export const REPORT_SLACK_MS = 60_000;

/** What a write by the work itself showed, beyond being a sign of life. */
export interface Activity {
  /** It gave a state, step or percent, or ended the run: a status a person sees. */
  status?: boolean;
  /** Answer text started (the run's state became `streaming`). */
  text?: boolean;
}

/**
 * Notes a sign of life of the work on `next`, a fresh copy the caller just
 * made (it is changed in place): each diagnostic it qualifies for and that
 * is not set yet becomes the time since the run started.
 */
export function noteActivity(next: RunRecord, now: number, activity: Activity): RunRecord {
  const since = Math.max(0, now - next.createdAt);
  if (next.submitToFirstEventMs === null) next.submitToFirstEventMs = since;
  if (activity.status && next.submitToStatusMs === null) next.submitToStatusMs = since;
  if (activity.text && next.submitToFirstTextMs === null) next.submitToFirstTextMs = since;
  return next;
}

/** The public diagnostics of a stored run, read at `now`. */
export function diagnosticsOf(run: RunRecord, now: number): RunDiagnostics {
  return {
    submitToStatusMs: run.submitToStatusMs,
    submitToFirstEventMs: run.submitToFirstEventMs,
    submitToFirstTextMs: run.submitToFirstTextMs,
    firstTextToPaintMs: run.firstTextToPaintMs,
    // A finished run waits for nothing: its silence since the end is no diagnostic.
    lastEventAgeMs: run.status === "running" ? Math.max(0, now - run.heartbeatAt) : null,
  };
}

/** One diagnostic a batch set for the first time (what the metrics observe, once). */
export interface FirstDiagnostic {
  runId: string;
  name: StoredDiagnostic;
  ms: number;
}

/** The diagnostics `after` has and `before` (undefined for a new run) had not. */
export function firstDiagnostics(before: RunRecord | undefined, after: RunRecord, into: FirstDiagnostic[]): void {
  for (const name of STORED_DIAGNOSTICS) {
    const ms = after[name];
    if (ms !== null && (before === undefined || before[name] === null)) into.push({ runId: after.id, name, ms });
  }
}
