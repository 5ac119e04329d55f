import { formatDuration } from "../core/durations.js";
import { ALMOST_DONE_MS, type EtaView } from "../core/run-display.js";
import type { AgentRun } from "../core/types.js";
import type { Attention } from "./status-labels.js";

export { elapsedMs, formatDuration } from "../core/durations.js";
export { type EtaView, etaView, formatSince } from "../core/run-display.js";

/** "about 2m left", or null when there is no estimate. */
export function formatEta(etaMs: number | null): string | null {
  if (etaMs === null || !Number.isFinite(etaMs)) return null;
  if (etaMs < ALMOST_DONE_MS) return "almost done";
  return `about ${formatDuration(etaMs)} left`;
}

/**
 * The estimate as the run last wrote it, in words: none once it ended, "waiting
 * for you" while it waits for a person, none while it has gone silent. It does
 * not count down; what a live view shows is `etaView(run, now, { mark })` (see `etaText`).
 */
export function etaLabel(
  run: Pick<AgentRun, "status" | "state" | "etaMs">,
  attention: Attention | null = null,
): string | null {
  if (run.status !== "running") return null;
  if (run.state === "action_required") return "waiting for you";
  if (attention === "stale" || run.state === "retrying") return null;
  return formatEta(run.etaMs);
}

/**
 * What a run's time slot says for an `etaView`: the countdown ("about 12s
 * left", "almost done"), the stall ("No progress for 2m"), "waiting for you"
 * while it waits for a person, and nothing otherwise.
 */
export function etaText(view: EtaView): string | null {
  if (view.kind !== "hidden") return view.text;
  return view.reason === "waiting" ? "waiting for you" : null;
}
