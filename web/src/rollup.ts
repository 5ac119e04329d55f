import type { AgentRun, RunHistoryPoint } from "../../src/client/index.js";
import type { ChartPoint } from "./components/percent-chart.js";

function weightOf(run: AgentRun): number {
  const weight = run.metadata.weight;
  return typeof weight === "number" && Number.isFinite(weight) && weight > 0 ? weight : 1;
}

/**
 * A parent's percent over time, rebuilt from its children's histories the way
 * the store rolls it up: at each moment, the weighted mean of the percents of
 * the children started by then (a child without a percent yet counts as 0).
 */
export function rollupSeries(children: AgentRun[], histories: Map<string, RunHistoryPoint[]>): ChartPoint[] {
  const moments = new Set<string>();
  for (const child of children) {
    moments.add(child.createdAt);
    for (const point of histories.get(child.id) ?? []) moments.add(point.at);
  }
  const series: ChartPoint[] = [];
  for (const at of [...moments].sort()) {
    let sum = 0;
    let weights = 0;
    for (const child of children) {
      if (child.createdAt > at) continue;
      const upTo = (histories.get(child.id) ?? []).filter((p) => p.at <= at && p.percent !== null);
      const percent = upTo.at(-1)?.percent ?? 0;
      sum += weightOf(child) * percent;
      weights += weightOf(child);
    }
    if (weights > 0) series.push({ at, percent: Math.round(sum / weights) });
  }
  return series;
}
