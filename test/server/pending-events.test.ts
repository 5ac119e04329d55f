import { describe, expect, it } from "vitest";
import type { AgentRun, HeadwayEvent } from "../../src/core/index.js";
import { PendingEvents } from "../../src/server/sse/pending-events.js";

let seq = 0;
function run(id: string, version: number, status: AgentRun["status"] = "running"): AgentRun {
  const at = new Date(0).toISOString();
  return {
    id,
    owner: "ann",
    title: id,
    step: `v${version}`,
    percent: version,
    status,
    state: null,
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: null,
    attention: null,
    createdAt: at,
    startedAt: at,
    updatedAt: at,
    completedAt: status === "running" ? null : at,
    heartbeatAt: at,
    diagnostics: {
      submitToStatusMs: null,
      submitToFirstEventMs: null,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version,
  };
}
function started(id: string): HeadwayEvent {
  const r = run(id, 1);
  return {
    id: `${++seq}-0`,
    type: "run.progress.started",
    owner: "ann",
    at: r.createdAt,
    run: r,
    payload: { runId: id, title: id },
  };
}
function updated(id: string, version: number, status: AgentRun["status"] = "running"): HeadwayEvent {
  const r = run(id, version, status);
  return {
    id: `${++seq}-0`,
    type: "run.progress.updated",
    owner: "ann",
    at: r.updatedAt,
    run: r,
    payload: { runId: id, percent: r.percent, step: r.step, status },
  };
}
function deleted(id: string): HeadwayEvent {
  return { id: `${++seq}-0`, type: "run.deleted", owner: "ann", at: new Date(0).toISOString(), payload: { runId: id } };
}
const describeAll = (events: HeadwayEvent[]) =>
  events.map((e) => `${e.type}:${"runId" in e.payload ? e.payload.runId : ""}:${e.run?.version ?? "-"}`);

describe("a slow client's backlog", () => {
  it("keeps only the latest non-terminal state of each run, in the order of the last change", () => {
    const pending = new PendingEvents(100);
    for (let v = 2; v <= 50; v++) {
      pending.push(updated("a", v));
      pending.push(updated("b", v));
    }
    pending.push(updated("a", 51));
    expect(pending.size).toBe(2);
    expect(describeAll(pending.take(10))).toEqual(["run.progress.updated:b:50", "run.progress.updated:a:51"]);
    expect(pending.size).toBe(0);
  });

  it("never drops a start, a terminal state or a deletion", () => {
    const pending = new PendingEvents(100);
    pending.push(started("a"));
    for (let v = 2; v < 10; v++) pending.push(updated("a", v));
    pending.push(updated("a", 10, "succeeded"));
    pending.push(deleted("a"));
    expect(describeAll(pending.take(10))).toEqual([
      "run.progress.started:a:1",
      "run.progress.updated:a:10",
      "run.deleted:a:-",
    ]);
  });

  it("drops a pending intermediate state when the run ends or is deleted", () => {
    const pending = new PendingEvents(100);
    pending.push(updated("a", 2));
    pending.push(updated("b", 2));
    pending.push(updated("a", 3, "failed"));
    pending.push(deleted("b"));
    expect(describeAll(pending.take(10))).toEqual(["run.progress.updated:a:3", "run.deleted:b:-"]);
  });

  it("is bounded: past the limit it forgets everything and asks for a re-sync", () => {
    const pending = new PendingEvents(5);
    for (let i = 0; i < 5; i++) pending.push(started(`r${i}`));
    expect(pending.overflowed).toBe(false);
    pending.push(started("r5"));
    expect(pending.overflowed).toBe(true);
    expect(pending.size).toBe(0);
    pending.push(started("r6"));
    expect(pending.size).toBe(0);
    pending.reset();
    expect(pending.overflowed).toBe(false);
  });

  it("takes in chunks and discards what a snapshot already covers", () => {
    const pending = new PendingEvents(100);
    for (let i = 0; i < 5; i++) pending.push(updated(`r${i}`, 2));
    pending.discard((event) => event.run?.id === "r1");
    expect(describeAll(pending.take(2))).toEqual(["run.progress.updated:r0:2", "run.progress.updated:r2:2"]);
    expect(pending.size).toBe(2);
  });
});
