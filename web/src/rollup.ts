import type { AgentRun, RunHistoryPoint } from "../../src/client/index.js";
import { type ChildProgress, rollupPercent } from "../../src/core/rollup.js";
import type { ChartPoint } from "./components/percent-chart.js";

/**
 * A parent's percent over time, rebuilt from its children's histories with
 * the store's own roll-up rule (`rollupPercent`): at each moment, the weighted
 * mean over the children started by then, a child that succeeded counting as
 * done, a failed or cancelled one at the percent it reached, one without a
 * percent yet as 0. So the chart
 * ends where the parent's bar stands.
 */
export function rollupSeries(children: AgentRun[], histories: Map<string, RunHistoryPoint[]>): ChartPoint[] {
  // A child's history is sampled (a point a second at most); the child as it stands now is its last point.
  type Point = Pick<RunHistoryPoint, "at" | "percent" | "status">;
  const pointsOf = new Map<string, Point[]>();
  const moments = new Set<string>();
  for (const child of children) {
    const now: Point = { at: child.completedAt ?? child.updatedAt, percent: child.percent, status: child.status };
    const points: Point[] = [...(histories.get(child.id) ?? []), now];
    pointsOf.set(child.id, points);
    moments.add(child.createdAt);
    for (const point of points) moments.add(point.at);
  }
  const series: ChartPoint[] = [];
  for (const at of [...moments].sort()) {
    const progress: ChildProgress[] = [];
    for (const child of children) {
      if (child.createdAt > at) continue;
      const upTo = (pointsOf.get(child.id) ?? []).filter((p) => p.at <= at);
      const latest = upTo.at(-1);
      const percent = upTo.filter((p) => p.percent !== null).at(-1)?.percent ?? null;
      progress.push({ percent, status: latest?.status ?? "running", metadata: child.metadata });
    }
    const percent = rollupPercent(progress);
    if (percent !== null) series.push({ at, percent });
  }
  return series;
}
