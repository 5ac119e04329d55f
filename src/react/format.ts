import { formatDuration } from "../core/durations.js";

export { elapsedMs, formatDuration } from "../core/durations.js";

/** "about 2m left", or null when there is no estimate. */
export function formatEta(etaMs: number | null): string | null {
  if (etaMs === null || !Number.isFinite(etaMs)) return null;
  if (etaMs < 5000) return "almost done";
  return `about ${formatDuration(etaMs)} left`;
}
