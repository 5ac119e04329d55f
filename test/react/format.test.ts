import { describe, expect, it } from "vitest";
import { etaLabel, formatDuration } from "../../src/react/index.js";

describe("time labels", () => {
  it("formats durations for people", () => {
    expect(formatDuration(45_400)).toBe("45s");
    expect(formatDuration(187_000)).toBe("3m 07s");
    expect(formatDuration(7_500_000)).toBe("2h 05m");
  });

  it("shows no countdown for a run that waits for a person, or has ended", () => {
    expect(etaLabel({ status: "running", state: "streaming", etaMs: 125_000 })).toBe("about 2m 05s left");
    expect(etaLabel({ status: "running", state: "action_required", etaMs: 2_000 })).toBe("waiting for you");
    expect(etaLabel({ status: "running", state: null, etaMs: null })).toBeNull();
    expect(etaLabel({ status: "succeeded", state: "completed", etaMs: 0 })).toBeNull();
  });
});
