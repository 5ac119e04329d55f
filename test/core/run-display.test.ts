import { describe, expect, it } from "vitest";
import {
  type AgentRun,
  displayedAttention,
  etaView,
  formatSince,
  type ProgressMark,
  trackProgress,
  trackRuns,
} from "../../src/core/index.js";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function run(patch: Partial<AgentRun> = {}): AgentRun {
  return {
    id: "r1",
    owner: "ann",
    title: "Classify 200 documents",
    step: null,
    percent: 20,
    status: "running",
    state: null,
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: 16_000,
    attention: null,
    createdAt: at(0),
    startedAt: at(0),
    updatedAt: at(0),
    completedAt: null,
    heartbeatAt: at(0),
    diagnostics: {
      submitToStatusMs: null,
      submitToFirstEventMs: null,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version: 2,
    ...patch,
  };
}

/** A run as an older server sends it: no `attention` field at all. */
function legacy(patch: Partial<AgentRun> = {}): Omit<AgentRun, "attention"> {
  const { attention: _ignored, ...rest } = run(patch);
  return rest;
}

/** Folds the writes into a mark, as a client seeing them one by one would. */
function seen(...writes: AgentRun[]): ProgressMark {
  let mark: ProgressMark | undefined;
  for (const write of writes) mark = trackProgress(mark, write);
  return mark!;
}

describe("displayedAttention", () => {
  it("uses the server's attention as served, whatever the heartbeat says", () => {
    // Silent for an hour, but the server (its watchdog) says nothing is wrong: calm.
    expect(displayedAttention(run({ attention: null }), T0 + 3_600_000)).toBeNull();
    // Fresh heartbeat, but the server says stale: stale.
    expect(displayedAttention(run({ attention: "stale" }), T0)).toBe("stale");
    expect(displayedAttention(run({ attention: "action_required", state: "action_required" }), T0)).toBe(
      "action_required",
    );
    expect(displayedAttention(run({ status: "failed", attention: "failed" }), T0)).toBe("failed");
  });

  it("works it out from the heartbeat only for a run without the field (an older server)", () => {
    expect(displayedAttention(legacy(), T0 + 119_000)).toBeNull();
    expect(displayedAttention(legacy(), T0 + 121_000)).toBe("stale");
    expect(displayedAttention(legacy(), T0 + 31_000, 30_000)).toBe("stale");
    expect(displayedAttention(legacy({ state: "action_required" }), T0 + 999_000)).toBe("action_required");
    expect(displayedAttention(legacy({ status: "failed", completedAt: at(5) }), T0)).toBe("failed");
    expect(displayedAttention(legacy({ status: "succeeded", completedAt: at(5) }), T0 + 999_000)).toBeNull();
  });
});

describe("etaView: the countdown", () => {
  it("counts etaMs down from the last write, every second", () => {
    const r = run({ etaMs: 16_000, updatedAt: at(0) });
    expect(etaView(r, T0)).toEqual({ kind: "countdown", remainingMs: 16_000, text: "about 16s left" });
    expect(etaView(r, T0 + 1000)).toMatchObject({ kind: "countdown", text: "about 15s left" });
    expect(etaView(r, T0 + 6000)).toMatchObject({ kind: "countdown", text: "about 10s left" });
    expect(etaView(r, T0 + 11_500)).toMatchObject({ kind: "countdown", text: "almost done" });
  });

  it("never goes below 'almost done', even past its estimate", () => {
    const r = run({ etaMs: 16_000 });
    for (const later of [16_000, 20_000, 45_000]) {
      expect(etaView(r, T0 + later)).toEqual({ kind: "countdown", remainingMs: 0, text: "almost done" });
    }
  });

  it("does not start over when a write leaves the percent where it was (the 'frozen for 24 s' bug)", () => {
    // 20% at 0 s with 16 s left; then a new step at 8 s, same percent: the estimate is still from 0 s.
    const moved = run({ percent: 20, etaMs: 16_000, updatedAt: at(0) });
    const stepOnly = run({ percent: 20, etaMs: 16_000, updatedAt: at(8000), step: "Reading page 2" });
    const mark = seen(moved, stepOnly);
    expect(etaView(stepOnly, T0 + 9000, { mark })).toMatchObject({ text: "about 7s left" });
    // Without what was seen before, the last write is all there is.
    expect(etaView(stepOnly, T0 + 9000)).toMatchObject({ text: "about 15s left" });
  });

  it("restarts from the write that moved the percent", () => {
    const mark = seen(run({ percent: 20, updatedAt: at(0) }), run({ percent: 30, etaMs: 30_000, updatedAt: at(4000) }));
    expect(mark).toMatchObject({ percent: 30, movedAt: T0 + 4000, stillWrites: 0, paceMs: 4000 });
    expect(etaView(run({ percent: 30, etaMs: 30_000, updatedAt: at(4000) }), T0 + 5000, { mark })).toMatchObject({
      text: "about 29s left",
    });
  });

  it("formats longer estimates with minutes", () => {
    expect(etaView(run({ etaMs: 125_000 }), T0)).toMatchObject({ text: "about 2m 05s left" });
  });
});

describe("etaView: no time left", () => {
  const cases: Array<[string, Partial<AgentRun>, string]> = [
    ["a finished run", { status: "succeeded", percent: 100, etaMs: 0, completedAt: at(1) }, "ended"],
    ["a failed run", { status: "failed", etaMs: null, completedAt: at(1), attention: "failed" }, "ended"],
    ["a cancelled run", { status: "cancelled", etaMs: null, completedAt: at(1) }, "ended"],
    ["a stale run (server attention)", { attention: "stale" }, "stale"],
    ["a run waiting for a person", { state: "action_required", attention: "action_required" }, "waiting"],
    ["a retrying run", { state: "retrying" }, "retrying"],
    ["a run without an estimate yet", { etaMs: null }, "unknown"],
    ["a run without a percent", { percent: null, etaMs: null }, "unknown"],
  ];
  for (const [what, patch, reason] of cases) {
    it(`for ${what}`, () => {
      expect(etaView(run(patch), T0 + 1000)).toEqual({ kind: "hidden", reason });
    });
  }

  it("for a stale run never says 'Not responding … almost done': no countdown and no stall", () => {
    const stale = run({ attention: "stale", etaMs: 4000, updatedAt: at(0) });
    const mark = seen(run(), run({ updatedAt: at(10_000) }), run({ updatedAt: at(20_000) }), stale);
    expect(etaView(stale, T0 + 600_000, { mark })).toEqual({ kind: "hidden", reason: "stale" });
  });

  it("for an older server's run silent past the threshold", () => {
    expect(etaView(legacy(), T0 + 121_000)).toEqual({ kind: "hidden", reason: "stale" });
    expect(etaView(legacy(), T0 + 31_000, { staleAfterMs: 30_000 })).toEqual({ kind: "hidden", reason: "stale" });
    expect(etaView(legacy(), T0 + 1000)).toMatchObject({ kind: "countdown" });
  });
});

describe("etaView: a stall", () => {
  it("shows 'No progress for …' when the percent has not moved across the last writes", () => {
    const writes = [0, 20_000, 40_000, 120_000].map((ms, i) =>
      run({ percent: 40, etaMs: 60_000, updatedAt: at(ms), step: `step ${i}` }),
    );
    const last = writes.at(-1)!;
    const mark = seen(...writes);
    expect(mark.stillWrites).toBe(3);
    expect(etaView(last, T0 + 120_000, { mark })).toEqual({
      kind: "stalled",
      sinceMs: 120_000,
      text: "No progress for 2m",
    });
  });

  it("needs two still writes: one step change is not a stall", () => {
    const mark = seen(
      run({ percent: 40, etaMs: 600_000 }),
      run({ percent: 40, etaMs: 600_000, updatedAt: at(50_000) }),
    );
    expect(mark.stillWrites).toBe(1);
    expect(etaView(run({ percent: 40, etaMs: 600_000, updatedAt: at(50_000) }), T0 + 60_000, { mark })).toMatchObject({
      kind: "countdown",
    });
  });

  it("waits 30 s, or twice the run's own pace, before calling it a stall", () => {
    // Quick writes with the same percent: still a countdown for the first 30 s.
    const quick = [0, 1000, 2000].map((ms) => run({ percent: 40, etaMs: 600_000, updatedAt: at(ms) }));
    const mark = seen(...quick);
    expect(etaView(quick[2]!, T0 + 29_000, { mark }).kind).toBe("countdown");
    expect(etaView(quick[2]!, T0 + 30_000, { mark })).toMatchObject({ kind: "stalled", text: "No progress for 30s" });

    // A run that moves every 60 s is not stalled 45 s after its last move.
    const paced = seen(
      run({ percent: 10, updatedAt: at(0) }),
      run({ percent: 20, etaMs: 480_000, updatedAt: at(60_000) }),
      run({ percent: 20, etaMs: 480_000, updatedAt: at(80_000) }),
      run({ percent: 20, etaMs: 480_000, updatedAt: at(100_000) }),
    );
    expect(paced.paceMs).toBe(60_000);
    const last = run({ percent: 20, etaMs: 480_000, updatedAt: at(100_000) });
    expect(etaView(last, T0 + 60_000 + 45_000, { mark: paced }).kind).toBe("countdown");
    expect(etaView(last, T0 + 60_000 + 120_000, { mark: paced })).toMatchObject({ text: "No progress for 2m" });
  });

  it("is a stall, not 'almost done' for ever, once the run is well past its own estimate without a write", () => {
    const r = run({ percent: 40, etaMs: 10_000, updatedAt: at(0) });
    expect(etaView(r, T0 + 39_000).kind).toBe("countdown");
    expect(etaView(r, T0 + 40_000)).toMatchObject({ kind: "stalled", text: "No progress for 40s" });
  });

  it("is not shown for a run without a percent, or at 100%", () => {
    const none = [0, 40_000, 80_000].map((ms) => run({ percent: null, etaMs: null, updatedAt: at(ms) }));
    expect(etaView(none[2]!, T0 + 200_000, { mark: seen(...none) })).toEqual({ kind: "hidden", reason: "unknown" });
    const full = [0, 40_000, 80_000].map((ms) => run({ percent: 100, etaMs: 0, updatedAt: at(ms) }));
    expect(etaView(full[2]!, T0 + 200_000, { mark: seen(...full) })).toMatchObject({ text: "almost done" });
  });

  it("ignores a mark about another percent (a stale copy)", () => {
    const mark = seen(...[0, 20_000, 40_000].map((ms) => run({ percent: 40, updatedAt: at(ms) })));
    const moved = run({ percent: 50, etaMs: 20_000, updatedAt: at(100_000) });
    expect(etaView(moved, T0 + 101_000, { mark })).toMatchObject({ kind: "countdown", text: "about 19s left" });
  });
});

describe("trackProgress and trackRuns", () => {
  it("counts still writes, keeps the same mark for the same or an older copy", () => {
    const first = trackProgress(undefined, run({ updatedAt: at(1000) }));
    expect(first).toEqual({ percent: 20, movedAt: T0 + 1000, lastWriteAt: T0 + 1000, stillWrites: 0, paceMs: null });
    expect(trackProgress(first, run({ updatedAt: at(1000) }))).toBe(first);
    expect(trackProgress(first, run({ updatedAt: at(500), percent: 5 }))).toBe(first);
    const still = trackProgress(first, run({ updatedAt: at(2000), step: "x" }));
    expect(still).toMatchObject({ movedAt: T0 + 1000, lastWriteAt: T0 + 2000, stillWrites: 1 });
    // Going backwards is a new plan: no pace carried over.
    expect(trackProgress(still, run({ updatedAt: at(3000), percent: 5 }))).toMatchObject({
      percent: 5,
      movedAt: T0 + 3000,
      stillWrites: 0,
      paceMs: null,
    });
  });

  it("keeps one mark per held run, forgets runs no longer held, and returns the same map when nothing changed", () => {
    const a = run({ id: "a" });
    const b = run({ id: "b" });
    const marks = trackRuns(new Map(), [a, b]);
    expect([...marks.keys()]).toEqual(["a", "b"]);
    expect(trackRuns(marks, [a, b])).toBe(marks);
    const later = trackRuns(marks, [{ ...a, updatedAt: at(5000) }]);
    expect([...later.keys()]).toEqual(["a"]);
    expect(later.get("a")?.stillWrites).toBe(1);
    // A list holding one run twice settles too (no endless re-render).
    const twice = trackRuns(new Map(), [a, { ...a, updatedAt: at(9000) }]);
    expect(trackRuns(twice, [a, { ...a, updatedAt: at(9000) }])).toBe(twice);
  });

  it("formats a stall's length coarsely", () => {
    expect(formatSince(45_400)).toBe("45s");
    expect(formatSince(125_000)).toBe("2m");
    expect(formatSince(7_500_000)).toBe("2h");
  });
});
