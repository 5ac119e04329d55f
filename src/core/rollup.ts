import { LIMITS } from "./limits.js";
import type { RunStatus } from "./types.js";

export interface ChildProgress {
  percent: number | null;
  status: RunStatus;
  metadata: Record<string, unknown>;
}

/**
 * A child's share of its parent: `metadata.weight` when it is a finite
 * number in (0, LIMITS.weightMax], else 1. Writes refuse other weights; rows
 * stored before that rule (1e308, Infinity) are read with the default, so a
 * parent's percent can never become Infinity or NaN.
 */
export function childWeight(metadata: Record<string, unknown>): number {
  const weight = metadata.weight;
  return typeof weight === "number" && Number.isFinite(weight) && weight > 0 && weight <= LIMITS.weightMax ? weight : 1;
}

/** A child's percent as the roll-up reads it: a number in [0, 100], indeterminate or unreadable as 0. */
function childPercent(percent: number | null): number {
  return typeof percent === "number" && Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
}

/**
 * Weighted mean of the children's percent. A finished child counts as done
 * whatever its outcome (its share of the work is over); an indeterminate one
 * as not started. Null when there are no children. Always an integer in
 * [0, 100], whatever the stored rows hold.
 */
export function rollupPercent(children: readonly ChildProgress[]): number | null {
  let total = 0;
  let done = 0;
  for (const child of children) {
    const weight = childWeight(child.metadata);
    total += weight;
    // Only success is done: a failed or cancelled child counts at the percent it reached.
    done += weight * (child.status === "succeeded" ? 100 : childPercent(child.percent));
  }
  if (!(total > 0)) return null;
  const percent = Math.round(done / total);
  return Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : null;
}
