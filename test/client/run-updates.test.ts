import { describe, expect, it } from "vitest";
import { type AgentRun, applyRunUpdate, type HeadwayEvent, replaceRun } from "../../src/client/index.js";

function run(id: string, version: number, patch: Partial<AgentRun> = {}): AgentRun {
  return {
    id,
    owner: "ann",
    title: id,
    step: null,
    percent: version * 10,
    status: "running",
    state: null,
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: null,
    attention: null,
    createdAt: `2025-01-01T00:00:0${id.at(-1)}.000Z`,
    startedAt: `2025-01-01T00:00:0${id.at(-1)}.000Z`,
    updatedAt: "2025-01-01T00:01:00.000Z",
    completedAt: null,
    heartbeatAt: "2025-01-01T00:01:00.000Z",
    diagnostics: {
      submitToStatusMs: null,
      submitToFirstEventMs: null,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version,
    ...patch,
  };
}

const updated = (r: AgentRun): { kind: "event"; event: HeadwayEvent } => ({
  kind: "event",
  event: {
    id: "1-0",
    type: "run.progress.updated",
    owner: r.owner,
    at: r.updatedAt,
    run: r,
    payload: { runId: r.id, percent: r.percent, step: r.step, status: r.status },
  },
});

describe("folding updates into a list of runs", () => {
  it("orders newest first and ignores equal or older versions (a replay after reconnect)", () => {
    let runs = applyRunUpdate([], { kind: "snapshot", runs: [run("r1", 1), run("r3", 1), run("r2", 1)] });
    expect(runs.map((r) => r.id)).toEqual(["r3", "r2", "r1"]);
    runs = applyRunUpdate(runs, updated(run("r2", 3)));
    expect(runs.find((r) => r.id === "r2")?.percent).toBe(30);
    const same = applyRunUpdate(runs, updated(run("r2", 2)));
    expect(same).toBe(runs);
    expect(applyRunUpdate(runs, updated(run("r2", 3)))).toBe(runs);
  });

  it("drops ended runs in an active view and removes deleted ones", () => {
    let runs = applyRunUpdate([], { kind: "snapshot", runs: [run("r1", 1), run("r2", 1)] }, { activeOnly: true });
    runs = applyRunUpdate(runs, updated(run("r1", 2, { status: "succeeded" })), { activeOnly: true });
    expect(runs.map((r) => r.id)).toEqual(["r2"]);
    runs = applyRunUpdate(runs, {
      kind: "event",
      event: { id: "2-0", type: "run.deleted", owner: "ann", at: "", payload: { runId: "r2" } },
    });
    expect(runs).toEqual([]);
  });

  it("replaceRun never brings back a run the list no longer holds", () => {
    const runs = [run("r1", 2)];
    expect(replaceRun(runs, run("r9", 5))).toBe(runs);
    expect(replaceRun(runs, run("r1", 3))[0]?.version).toBe(3);
    expect(replaceRun(runs, run("r1", 1))).toBe(runs);
  });
});
