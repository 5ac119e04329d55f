import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LoadedAutomations, loadAutomations, watchAutomations } from "../../src/automations/index.js";
import { MINUTE, makeRun, SEED, T0 } from "./run-fixture.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "headway-automations-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("loadAutomations", () => {
  it("loads the good files and reports the bad ones with file and line", async () => {
    writeFileSync(join(dir, "slow-runs.md"), SEED);
    writeFileSync(join(dir, "broken.md"), SEED.replace("5 minutes", "5"));
    writeFileSync(join(dir, "typo.md"), SEED.replace("mode: agentic", "mode: agentic\nrepaet: true"));
    writeFileSync(join(dir, "hourly.md"), "---\ntriggerType: schedule\ncron: '0 * * * *'\n---\nHourly check");
    writeFileSync(join(dir, "notes.txt"), "not an automation");
    const { automations, errors } = await loadAutomations(dir);
    expect(automations.map((a) => a.id)).toEqual(["hourly", "slow-runs"]);
    expect(errors).toEqual([
      {
        file: join(dir, "broken.md"),
        line: 4,
        column: 53,
        message: "condition: expected a duration unit after 5, as in 5 minutes",
      },
      { file: join(dir, "typo.md"), line: 6, message: "unknown key 'repaet' for an event automation" },
    ]);
    const slow = automations[1]!;
    expect(slow.condition?.evaluate(makeRun(), T0 + 6 * MINUTE)).toBe(true);
    expect(slow.condition?.evaluate(makeRun(), T0 + 4 * MINUTE)).toBe(false);
  });

  it("treats a missing folder as no automations", async () => {
    expect(await loadAutomations(join(dir, "nope"))).toEqual({ automations: [], errors: [] });
  });
});

describe("watchAutomations", () => {
  async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("loads at start and reloads when a file changes, appears or is fixed", async () => {
    writeFileSync(join(dir, "slow-runs.md"), SEED);
    const seen: LoadedAutomations[] = [];
    const stop = watchAutomations(dir, (loaded) => seen.push(loaded), { debounceMs: 30 });
    try {
      await until(() => seen.length >= 1, "the first load");
      expect(seen[0]!.automations.map((a) => a.condition?.source)).toEqual([
        "status is running and (now - started) > 5 minutes",
      ]);

      writeFileSync(join(dir, "slow-runs.md"), SEED.replace("5 minutes", "10 minutes"));
      await until(
        () => seen.at(-1)!.automations[0]?.condition?.source === "status is running and (now - started) > 10 minutes",
        "the changed condition",
      );

      writeFileSync(join(dir, "broken.md"), "---\ntriggerType: nope\n---\n");
      await until(() => seen.at(-1)!.errors.length === 1, "the broken file's error");
      expect(seen.at(-1)!.errors[0]).toMatchObject({ file: join(dir, "broken.md"), line: 2 });
      expect(seen.at(-1)!.automations).toHaveLength(1);

      writeFileSync(
        join(dir, "broken.md"),
        "---\ntriggerType: event\nevent: run.progress.started\n---\nStarted {{title}}",
      );
      await until(() => seen.at(-1)!.automations.length === 2 && seen.at(-1)!.errors.length === 0, "the fixed file");
    } finally {
      stop();
    }
    const count = seen.length;
    writeFileSync(join(dir, "after-stop.md"), SEED);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.length).toBe(count);
  });

  it("on a missing folder reports the watch error and still delivers an empty load", async () => {
    const seen: LoadedAutomations[] = [];
    const errors: Error[] = [];
    const stop = watchAutomations(join(dir, "missing"), (loaded) => seen.push(loaded), {
      onError: (error) => errors.push(error),
    });
    try {
      await until(() => seen.length === 1, "the empty load");
      expect(seen[0]).toEqual({ automations: [], errors: [] });
      expect(errors[0]?.message).toMatch(/ENOENT/);
    } finally {
      stop();
    }
  });

  it("debounces a burst of writes into few reloads", async () => {
    const seen: LoadedAutomations[] = [];
    const stop = watchAutomations(dir, (loaded) => seen.push(loaded), { debounceMs: 100 });
    try {
      await until(() => seen.length >= 1, "the first load");
      for (let i = 0; i < 20; i++) writeFileSync(join(dir, `rule-${i}.md`), SEED);
      await until(() => seen.at(-1)!.automations.length === 20, "all twenty files");
      expect(seen.length).toBeLessThanOrEqual(4);
    } finally {
      stop();
    }
  });
});
