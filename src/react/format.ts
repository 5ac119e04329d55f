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

/** "just now", "5m ago", "3h ago", "2d ago", then the date: when something happened, for a list. */
export function formatAgo(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "";
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${days}d ago`;
  return new Date(at).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}
