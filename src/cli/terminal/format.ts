import type { AgentRun } from "../../core/index.js";

/** "42s", "3m05s", "1h02m": short enough for a terminal line. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function elapsedOf(run: AgentRun, now: number): string {
  const end = run.completedAt ? Date.parse(run.completedAt) : now;
  return formatDuration(end - Date.parse(run.createdAt));
}

/** Time left, counting down from the last estimate; blank when there is none. */
export function etaOf(run: AgentRun, now: number): string {
  if (run.status !== "running" || run.etaMs === null) return "";
  return `ETA ${formatDuration(Math.max(0, run.etaMs - (now - Date.parse(run.updatedAt))))}`;
}

export const STATUS_MARK: Record<AgentRun["status"], string> = {
  running: "▶",
  succeeded: "✔",
  failed: "✖",
  cancelled: "■",
};

/** One line per change, for logs and pipes. */
export function plainLine(run: AgentRun, now: number): string {
  const percent = run.percent === null ? "  …" : `${String(run.percent).padStart(3)}%`;
  const status = run.status === "running" ? "" : ` [${run.status}]`;
  const eta = etaOf(run, now);
  const times = [elapsedOf(run, now), eta].filter(Boolean).join(", ");
  return `${STATUS_MARK[run.status]} ${percent} ${run.title}${run.step ? ` — ${run.step}` : ""}${status} (${times})`;
}
