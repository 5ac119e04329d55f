import { describe, expect, it } from "vitest";
import { decideRule, needsTimer, parseAutomationFile, type RuleRunState } from "../../src/automations/index.js";
import { MINUTE, makeRun, SEED, T0 } from "./run-fixture.js";

const updated = { kind: "event", type: "run.progress.updated" } as const;

describe("decideRule", () => {
  const seed = parseAutomationFile(SEED, "slow-runs.md");

  it("fires the seed's rule once for a run past five minutes, never for one at four", () => {
    const run = makeRun();
    const early = decideRule(seed, run, T0 + 4 * MINUTE, undefined, updated);
    expect(early.fire).toBe(false);
    const late = decideRule(seed, run, T0 + 6 * MINUTE, early.state, updated);
    expect(late).toEqual({ fire: true, state: { matching: true, firedCount: 1, lastFiredAt: T0 + 6 * MINUTE } });
    const again = decideRule(seed, run, T0 + 7 * MINUTE, late.state, updated);
    expect(again.fire).toBe(false);
    expect(again.state).toBe(late.state);
  });

  it("re-checks time conditions on the timer, since a stuck run emits nothing", () => {
    expect(needsTimer(seed)).toBe(true);
    expect(decideRule(seed, makeRun(), T0 + 6 * MINUTE, undefined, { kind: "timer" }).fire).toBe(true);
    const plain = parseAutomationFile(
      "---\ntriggerType: event\nevent: run.progress.updated\ncondition: status is failed\n---\nx",
      "f.md",
    );
    expect(needsTimer(plain)).toBe(false);
    expect(decideRule(plain, makeRun({ status: "failed" }), T0, undefined, { kind: "timer" }).fire).toBe(false);
  });

  it("listens only to its own events", () => {
    const started = { kind: "event", type: "run.progress.started" } as const;
    expect(decideRule(seed, makeRun(), T0 + 6 * MINUTE, undefined, started).fire).toBe(false);
    expect(decideRule(seed, makeRun(), T0 + 6 * MINUTE, undefined, { kind: "schedule" }).fire).toBe(false);
  });

  it("with repeat: true fires again only after the condition stopped matching", () => {
    const rule = parseAutomationFile(
      "---\ntriggerType: event\nevent: run.progress.updated\ncondition: state is action_required\nrepeat: true\n---\nNeeds you",
      "needs-you.md",
    );
    let state: RuleRunState | undefined;
    const fires: boolean[] = [];
    for (const runState of [
      "streaming",
      "action_required",
      "action_required",
      "tool_running",
      "action_required",
    ] as const) {
      const decision = decideRule(rule, makeRun({ state: runState }), T0, state, updated);
      fires.push(decision.fire);
      state = decision.state;
    }
    expect(fires).toEqual([false, true, false, false, true]);
    expect(state?.firedCount).toBe(2);
  });

  it("without repeat fires once even after it stopped matching and matched again", () => {
    const rule = parseAutomationFile(
      "---\ntriggerType: event\nevent: run.progress.updated\ncondition: state is action_required\n---\nNeeds you",
      "once.md",
    );
    let state: RuleRunState | undefined;
    const fires: boolean[] = [];
    for (const runState of ["action_required", "tool_running", "action_required"] as const) {
      const decision = decideRule(rule, makeRun({ state: runState }), T0, state, updated);
      fires.push(decision.fire);
      state = decision.state;
    }
    expect(fires).toEqual([true, false, false]);
  });

  it("a disabled rule never fires; a rule without condition always matches", () => {
    const off = parseAutomationFile(`${SEED.replace("mode: agentic", "mode: agentic\nenabled: false")}`, "off.md");
    expect(decideRule(off, makeRun(), T0 + 6 * MINUTE, undefined, updated).fire).toBe(false);
    const always = parseAutomationFile("---\ntriggerType: schedule\ncron: '@hourly'\n---\nTick", "tick.md");
    expect(decideRule(always, makeRun(), T0, undefined, { kind: "schedule" }).fire).toBe(true);
  });
});
