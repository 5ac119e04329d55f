import { LIMITS } from "./limits.js";
import type { RunStatus } from "./types.js";

export interface ChildProgress {
  percent: number | null;
  status: RunStatus;
  metadata: Record<string, unknown>;
}

/**
 * What a run's children add up to, kept on the run's own row so that a
 * child's write changes its parent by its own difference, in O(1), instead
 * of re-reading every sibling:
 * - `weight`: the sum of the children's weights, in weight units (below);
 * - `done`: the sum of weight units × percent points (0..100).
 *
 * Integers, not floating-point sums. A sum kept by adding and subtracting
 * deltas of doubles drifts: after enough writes it no longer equals the sum
 * of what the children hold, and a parent sitting on a .5 boundary would
 * round the other way from a recomputation, for ever. Integer sums are exact
 * however many deltas they have absorbed, in any order, so the stored
 * totals always equal the totals over the children read back, and a parent's
 * percent is a pure function of them. bigint, because a sum may pass 2^53
 * (a hundred children at the largest weight already do); stored as decimal text.
 */
export interface RollupTotals {
  readonly weight: bigint;
  readonly done: bigint;
}

/** A run without children (shared: totals are never mutated). */
export const NO_CHILDREN: RollupTotals = Object.freeze({ weight: 0n, done: 0n });

/**
 * Weight units per unit of `metadata.weight`: a weight counts to a millionth
 * (1.5 is 1,500,000 units; 1/3 is 333,333). A weight under half a millionth
 * counts as one unit, so every child weighs something.
 */
export const WEIGHT_UNITS = 1_000_000;

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

/**
 * A child's weight in whole units: an integer in [1, LIMITS.weightMax × WEIGHT_UNITS].
 * The migrations that fill in totals for rows stored before them compute the same
 * (`floor(weight × 1e6 + 0.5)`, in IEEE doubles as here); keep them in step.
 */
export function childWeightUnits(metadata: Record<string, unknown>): number {
  return Math.max(1, Math.round(childWeight(metadata) * WEIGHT_UNITS));
}

/**
 * A child's percent as the roll-up reads it: only success is done (100); a
 * failed or cancelled child counts at the percent it reached; indeterminate
 * or unreadable is 0. An integer in [0, 100] (stored percents are integers already).
 */
function childPoints(child: ChildProgress): number {
  if (child.status === "succeeded") return 100;
  const { percent } = child;
  return typeof percent === "number" && Number.isFinite(percent) ? Math.round(Math.min(100, Math.max(0, percent))) : 0;
}

/** What one child adds to its parent's totals. */
export function childShare(child: ChildProgress): RollupTotals {
  const units = BigInt(childWeightUnits(child.metadata));
  return { weight: units, done: units * BigInt(childPoints(child)) };
}

/** `totals + add - remove`, the same object when nothing changes. */
export function adjustTotals(totals: RollupTotals, add: RollupTotals, remove: RollupTotals): RollupTotals {
  if (add.weight === remove.weight && add.done === remove.done) return totals;
  const weight = totals.weight + add.weight - remove.weight;
  const done = totals.done + add.done - remove.done;
  return weight === 0n && done === 0n ? NO_CHILDREN : { weight, done };
}

export function sameTotals(a: RollupTotals, b: RollupTotals): boolean {
  return a.weight === b.weight && a.done === b.done;
}

/**
 * The weighted mean the totals stand for, rounded half up as Math.round does
 * (floor((2·done + weight) / (2·weight)), exactly). Null when there are no children.
 */
export function percentOfTotals(totals: RollupTotals): number | null {
  if (totals.weight <= 0n) return null;
  const percent = Number((2n * totals.done + totals.weight) / (2n * totals.weight));
  return Math.min(100, Math.max(0, percent));
}

/**
 * Weighted mean of the children's percent (`metadata.weight`, default 1).
 * Only a child that succeeded counts as done; one that failed or was
 * cancelled counts at the percent it reached; an indeterminate one as not
 * started. Null when there are no children. Always an integer in [0, 100],
 * whatever the stored rows hold. The store keeps the same sums on the
 * parent's row (RollupTotals), so this and a stored parent always agree.
 */
export function rollupPercent(children: readonly ChildProgress[]): number | null {
  let totals = NO_CHILDREN;
  for (const child of children) totals = adjustTotals(totals, childShare(child), NO_CHILDREN);
  return percentOfTotals(totals);
}
