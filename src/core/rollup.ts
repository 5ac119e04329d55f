import type { RunStatus } from "./types.js";

export interface ChildProgress {
  percent: number | null;
  status: RunStatus;
  metadata: Record<string, unknown>;
}

/** A child's share of its parent: `metadata.weight` when it is a positive finite number, else 1. */
export function childWeight(metadata: Record<string, unknown>): number {
  const weight = metadata.weight;
  return typeof weight === "number" && Number.isFinite(weight) && weight > 0 ? weight : 1;
}

/**
 * Weighted mean of the children's percent. A finished child counts as done
 * whatever its outcome (its share of the work is over); an indeterminate one
 * as not started. Null when there are no children.
 */
export function rollupPercent(children: readonly ChildProgress[]): number | null {
  let total = 0;
  let done = 0;
  for (const child of children) {
    const weight = childWeight(child.metadata);
    total += weight;
    done += weight * (child.status === "running" ? (child.percent ?? 0) : 100);
  }
  return total > 0 ? Math.round(done / total) : null;
}
