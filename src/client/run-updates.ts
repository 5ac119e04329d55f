import type { AgentRun } from "../core/index.js";
import type { RunUpdate } from "./client-types.js";

export interface ApplyOptions {
  /** Drop runs once they end, for views of active work. (Default: false) */
  activeOnly?: boolean;
}

const newestFirst = (a: AgentRun, b: AgentRun) =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

/**
 * Folds one update into a list of runs, newest first: a snapshot replaces
 * the list, an event upserts its run unless an equal or newer version is
 * already held (events may arrive twice across a reconnect), a deletion
 * removes it. Returns the same array when nothing changed, so React can skip
 * a render.
 */
export function applyRunUpdate(runs: readonly AgentRun[], update: RunUpdate, options: ApplyOptions = {}): AgentRun[] {
  const keep = (run: AgentRun) => !options.activeOnly || run.status === "running";
  // Whatever arrives is checked before it is read: a malformed update changes nothing instead of throwing.
  if (update?.kind === "snapshot") {
    return Array.isArray(update.runs) ? update.runs.filter(isRun).filter(keep).sort(newestFirst) : (runs as AgentRun[]);
  }
  const event = update?.kind === "event" ? update.event : null;
  if (!event || typeof event !== "object") return runs as AgentRun[];
  if (event.type === "run.deleted") {
    if (typeof event.payload?.runId !== "string") return runs as AgentRun[];
    const next = runs.filter((run) => run.id !== event.payload.runId);
    return next.length === runs.length ? (runs as AgentRun[]) : next;
  }
  return isRun(event.run) ? upsertRun(runs, event.run, options) : (runs as AgentRun[]);
}

function isRun(value: unknown): value is AgentRun {
  if (typeof value !== "object" || value === null) return false;
  const run = value as Partial<AgentRun>;
  return typeof run.id === "string" && typeof run.version === "number" && typeof run.createdAt === "string";
}

/** Puts one run into a list, newest first, unless an equal or newer version is already held. */
export function upsertRun(runs: readonly AgentRun[], run: AgentRun, options: ApplyOptions = {}): AgentRun[] {
  const held = runs.find((r) => r.id === run.id);
  if (held && held.version >= run.version) return runs as AgentRun[];
  const next = runs.filter((r) => r.id !== run.id);
  if (!options.activeOnly || run.status === "running") next.push(run);
  return next.sort(newestFirst);
}

/**
 * Replaces a held run with a newer copy, such as the one a cancel request
 * returns; never inserts, so a late response cannot bring back a run the
 * stream has since removed.
 */
export function replaceRun(runs: readonly AgentRun[], run: AgentRun, options: ApplyOptions = {}): AgentRun[] {
  return runs.some((r) => r.id === run.id) ? upsertRun(runs, run, options) : (runs as AgentRun[]);
}
