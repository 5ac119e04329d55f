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
  if (update.kind === "snapshot") return update.runs.filter(keep).sort(newestFirst);
  const { event } = update;
  if (event.type === "run.deleted") {
    const next = runs.filter((run) => run.id !== event.payload.runId);
    return next.length === runs.length ? (runs as AgentRun[]) : next;
  }
  const incoming = event.run;
  if (!incoming) return runs as AgentRun[];
  const index = runs.findIndex((run) => run.id === incoming.id);
  const held = index === -1 ? undefined : runs[index];
  if (held && held.version >= incoming.version) return runs as AgentRun[];
  const next = runs.filter((run) => run.id !== incoming.id);
  if (keep(incoming)) next.push(incoming);
  return next.sort(newestFirst);
}
