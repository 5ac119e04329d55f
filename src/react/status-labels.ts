import type { AgentRun, RunState } from "../client/index.js";
import { displayedAttention, FALLBACK_STALE_AFTER_MS } from "../core/run-display.js";

const STATE_LABELS: Record<RunState, string> = {
  submitted: "Submitted",
  binding: "Starting",
  queued: "Queued",
  routing: "Routing",
  preparing: "Preparing",
  waiting_provider: "Waiting for model",
  streaming: "Responding",
  tool_running: "Running tool",
  action_required: "Needs your input",
  retrying: "Retrying",
  failed: "Failed",
  cancelled: "Cancelled",
  completed: "Done",
};

/** Why a row asks for attention; only these three do, so it means something when one does. */
export type Attention = "action_required" | "failed" | "stale";

/**
 * The run's `attention` as the server computed it (its watchdog decides
 * `stale`). Only for a run without the field, from an older server, is it
 * worked out here: stale once the heartbeat is older than `staleAfterMs`.
 */
export function attentionOf(run: AgentRun, now: number, staleAfterMs = FALLBACK_STALE_AFTER_MS): Attention | null {
  return displayedAttention(run, now, staleAfterMs);
}

export function stateLabel(run: AgentRun, attention: Attention | null): string {
  if (run.status === "succeeded") return "Done";
  if (run.status === "failed") return "Failed";
  if (run.status === "cancelled") return "Cancelled";
  if (attention === "stale") return "Not responding";
  if (run.cancelRequested) return "Stopping";
  if (run.state) return STATE_LABELS[run.state];
  return heardFrom(run) ? "Running" : "Submitted";
}

/**
 * Whether the work behind a run without a state has shown any sign of life
 * since it started. Until then "Submitted" is what is known, where "Running"
 * would claim more. From an older server without diagnostics: any write since the start.
 */
function heardFrom(run: AgentRun): boolean {
  const first = run.diagnostics?.submitToFirstEventMs;
  return first === undefined ? run.version > 1 : first !== null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value.trim() : typeof value === "number" ? String(value) : null;
}

/** The active tool, or where the run stands in a queue, from its state and metadata. */
export function summaryOf(run: AgentRun): string | null {
  const { metadata } = run;
  const tool = text(metadata.activeTool) ?? text(metadata.tool) ?? text(metadata.toolName);
  if (tool && (run.state === "tool_running" || run.state === null)) return tool;
  const position = metadata.queuePosition;
  if (typeof position === "number" && Number.isFinite(position)) {
    const size = metadata.queueSize;
    return typeof size === "number" ? `#${position} of ${size} in queue` : `#${position} in queue`;
  }
  if (run.state === "queued") return "waiting in queue";
  return tool;
}
