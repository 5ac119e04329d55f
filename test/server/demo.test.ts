import { describe, expect, it } from "vitest";
import type { AgentRun } from "../../src/core/index.js";
import { startDemo } from "../../src/server/index.js";
import { eventually, fixture } from "./helpers.js";

describe("the demo agent", () => {
  it("keeps realistic runs moving: progress, child runs, a failure, a wait for input; none left running", async () => {
    const { progress } = fixture();
    const seen = new Map<string, AgentRun[]>();
    progress.subscribe(
      (event) => {
        if (event.run) seen.set(event.run.id, [...(seen.get(event.run.id) ?? []), event.run]);
      },
      { owner: "ann" },
    );
    const demo = startDemo(progress, { owner: "ann", speed: 25, restartDelayMs: 100 });
    const all = () => [...seen.values()].flat();
    const byTitle = (title: string) => all().filter((run) => run.title === title);
    await eventually(
      () =>
        byTitle("Triage 128 unread emails").some((r) => r.status === "succeeded") &&
        byTitle("Sync 3 calendars").some((r) => r.status === "failed") &&
        byTitle("Draft replies to 5 customer escalations").some((r) => r.state === "action_required") &&
        byTitle("Classify 200 documents").some((r) => r.status === "succeeded"),
      20_000,
      "every scenario to play out",
    );
    expect(byTitle("Sync 3 calendars").find((r) => r.status === "failed")?.step).toBe(
      "Calendar API returned 503 Service Unavailable after 3 retries",
    );
    const triage = byTitle("Triage 128 unread emails");
    expect(new Set(triage.map((r) => r.percent)).size).toBeGreaterThan(10);
    expect(triage.some((r) => r.step?.startsWith('Triaging "'))).toBe(true);
    // The parent sets no percent: it rolls up its four children.
    const parent = byTitle("Classify 200 documents")[0]!;
    const children = all().filter((run) => run.parentId === parent.id);
    expect(new Set(children.map((run) => run.title)).size).toBe(4);
    expect(seen.get(parent.id)?.some((r) => r.percent !== null && r.percent > 0 && r.percent < 100)).toBe(true);

    // Cancelling from the UI stops the run: the one waiting for approval has a long wait to interrupt.
    let victim: AgentRun | undefined;
    await eventually(
      async () => {
        const active = await progress.listRuns("ann", { activeOnly: true });
        victim = active.find((run) => run.state === "action_required");
        return victim !== undefined;
      },
      10_000,
      "a run waiting for approval",
    );
    expect((await progress.tryCancel(victim!.id, "ann")).ok).toBe(true);
    await eventually(
      async () => (await progress.getRun(victim!.id, "ann"))?.status === "cancelled",
      5000,
      "the cancel",
    );

    await demo.stop();
    expect(await progress.listRuns("ann", { activeOnly: true })).toEqual([]);
  });
});
