import { describe, expect, it } from "vitest";
import type { HistoryPoint } from "../../src/core/index.js";
import { rollupSeries } from "../../web/src/rollup.js";
import { fixture } from "../server/helpers.js";

describe("the dashboard's roll-up chart of a parent", () => {
  it("ends where the parent's bar stands: a failed child counts at the percent it reached, as the store counts it", async () => {
    const { progress } = fixture();
    const owner = "ann";
    const parent = await progress.startRun({ owner, title: "Research" });
    const a = await progress.startRun({ owner, title: "collect", parentId: parent.id, percent: 10 });
    const b = await progress.startRun({ owner, title: "summarise", parentId: parent.id, metadata: { weight: 3 } });
    await progress.updateRunProgress(a.id, owner, { percent: 40 });
    await progress.updateRunProgress(b.id, owner, { percent: 50 });
    // The failed child stops at 40%: its share of the work is not done.
    await progress.completeRun(a.id, owner, "failed", { step: "source went away" });

    const children = await progress.listRuns(owner, { parentId: parent.id });
    const histories = new Map<string, HistoryPoint[]>();
    for (const child of children) histories.set(child.id, (await progress.getRunHistory(child.id, owner)) ?? []);
    const series = rollupSeries(children, histories);
    const stored = await progress.getRun(parent.id, owner);

    // (1 × 40 + 3 × 50) / 4 = 47.5, where counting the failed child as done would say 63.
    expect(stored?.percent).toBe(48);
    expect(series.at(-1)?.percent).toBe(stored?.percent);
    // Before the failure, the chart read the child's own percent.
    expect(series.map((p) => p.percent)).toContain(10);
  });

  it("reads a weight past the limit, or not a number, as the store does (1)", async () => {
    const { progress } = fixture();
    const owner = "ann";
    const parent = await progress.startRun({ owner, title: "Import" });
    const a = await progress.startRun({ owner, title: "a", parentId: parent.id, percent: 100 });
    await progress.startRun({ owner, title: "b", parentId: parent.id, percent: 0 });
    const children = (await progress.listRuns(owner, { parentId: parent.id })).map((child) =>
      // A row stored before weights were checked.
      child.id === a.id ? { ...child, metadata: { weight: 1e308 } } : child,
    );
    const histories = new Map<string, HistoryPoint[]>();
    for (const child of children) histories.set(child.id, (await progress.getRunHistory(child.id, owner)) ?? []);
    expect(rollupSeries(children, histories).at(-1)?.percent).toBe(50);
  });
});
