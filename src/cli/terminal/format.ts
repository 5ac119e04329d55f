import { type AgentRun, elapsedMs, etaView, formatDuration, type ProgressMark } from "../../core/index.js";

export function elapsedOf(run: AgentRun, now: number): string {
  return formatDuration(elapsedMs(run, now));
}

/**
 * Time left by the clients' one rule (`etaView`): counting down between
 * writes ("about 12s left", then "almost done"), "No progress for 2m" when the
 * percent stopped moving, and for a run with no time left to show, why:
 * "not responding" (stale), "needs your input"; blank otherwise.
 */
export function etaOf(run: AgentRun, now: number, mark?: ProgressMark): string {
  const view = etaView(run, now, { mark });
  if (view.kind !== "hidden") return view.text;
  if (view.reason === "stale") return "not responding";
  if (view.reason === "waiting") return "needs your input";
  if (view.reason === "retrying") return "retrying";
  return "";
}

export const STATUS_MARK: Record<AgentRun["status"], string> = {
  running: "▶",
  succeeded: "✔",
  failed: "✖",
  cancelled: "■",
};

/** One line per change, for logs and pipes. */
export function plainLine(run: AgentRun, now: number, mark?: ProgressMark): string {
  const percent = run.percent === null ? "  …" : `${String(run.percent).padStart(3)}%`;
  const status = run.status === "running" ? "" : ` [${run.status}]`;
  const eta = etaOf(run, now, mark);
  const times = [elapsedOf(run, now), eta].filter(Boolean).join(", ");
  return `${STATUS_MARK[run.status]} ${percent} ${run.title}${run.step ? ` — ${run.step}` : ""}${status} (${times})`;
}
