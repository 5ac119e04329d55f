import { adjustTotals, childShare, NO_CHILDREN, type RollupTotals, type RunStatus } from "../core/index.js";
import { parseMetadata } from "./metadata-json.js";

/**
 * A run's child totals as both backends store them: two columns of decimal
 * integer text (`child_weight`, `child_done`), exact at any size, where a
 * 64-bit integer column could overflow. See RollupTotals.
 */
export function totalsOf(weight: unknown, done: unknown): RollupTotals {
  if (weight === "0" && done === "0") return NO_CHILDREN;
  return { weight: BigInt(String(weight)), done: BigInt(String(done)) };
}

/** A stored child as the retention sweep reads it. */
export interface ChildRow {
  parent_id: string | null;
  percent: number | null;
  status: string;
  metadata: string;
}

/** What the given children add to each of their parents. */
export function sharesByParent(children: readonly ChildRow[]): Map<string, RollupTotals> {
  const shares = new Map<string, RollupTotals>();
  for (const child of children) {
    if (!child.parent_id) continue;
    const share = childShare({
      percent: child.percent,
      status: child.status as RunStatus,
      metadata: parseMetadata(child.metadata),
    });
    shares.set(child.parent_id, adjustTotals(shares.get(child.parent_id) ?? NO_CHILDREN, share, NO_CHILDREN));
  }
  return shares;
}
