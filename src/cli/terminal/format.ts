import { type AgentRun, elapsedMs, formatDuration } from "../../core/index.js";

export function elapsedOf(run: AgentRun, now: number): string {
  return formatDuration(elapsedMs(run, now));
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
