import { formatDuration } from "../core/durations.js";
import type { AgentRun } from "../core/types.js";
import type { Attention } from "./status-labels.js";

export { elapsedMs, formatDuration } from "../core/durations.js";

/** "about 2m left", or null when there is no estimate. */
export function formatEta(etaMs: number | null): string | null {
  if (etaMs === null || !Number.isFinite(etaMs)) return null;
  if (etaMs < 5000) return "almost done";
  return `about ${formatDuration(etaMs)} left`;
}

/**
 * Time left for a run as people should read it: none once it ended, no
 * countdown while it waits for a person, and none while it has gone silent
 * (`attention: "stale"`, from `attentionOf`): its estimate would only mislead.
 */
export function etaLabel(
  run: Pick<AgentRun, "status" | "state" | "etaMs">,
  attention: Attention | null = null,
): string | null {
  if (run.status !== "running") return null;
  if (run.state === "action_required") return "waiting for you";
  if (attention === "stale") return null;
  return formatEta(run.etaMs);
}
