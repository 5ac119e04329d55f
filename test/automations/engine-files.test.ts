/**
 * The folder as the engine sees it: reloaded when a file changes (fs.watch),
 * a malformed file reported with its file, line and column while the others
 * keep firing, and a file named like a built-in rule replacing that rule.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAutomations } from "../../src/automations/index.js";
import { BUILT_IN_RULES, notifyOnOutcomes } from "../../src/notifications/index.js";
import { createProgress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { automation, automationsDir, eventually, logLines, notificationsOf, onCleanup } from "./helpers.js";

function setUp() {
  const progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
  onCleanup(() => progress.close());
  return progress;
}

describe("the automations folder", () => {
  it("reloads when a file appears, changes or goes, and reload() reads it at once", async () => {
    const progress = setUp();
    const dir = automationsDir();
    const log = logLines();
    const engine = await runAutomations(progress, { dir, debounceMs: 20, feedIntervalMs: 20, onLog: log.onLog });
    onCleanup(() => engine.close());
    await engine.idle();
    expect(engine.automations()).toEqual([]);

    writeFileSync(join(dir, "halfway.md"), automation("percent >= 50", "", "{{title}} is half done"));
    await eventually(() => engine.automations().length === 1, 5000, "the new file");
    const run = await progress.startRun({ owner: "ann", title: "Import" });
    await progress.updateRunProgress(run.id, "ann", { percent: 60 });
    await engine.idle();
    expect((await notificationsOf(progress, "ann")).map((n) => n.title)).toEqual(["Import is half done"]);

    writeFileSync(join(dir, "halfway.md"), automation("percent >= 50", "enabled: false", "{{title}} is half done"));
    await eventually(() => engine.automations()[0]?.enabled === false, 5000, "the change");
    const other = await progress.startRun({ owner: "ann", title: "Export" });
    await progress.updateRunProgress(other.id, "ann", { percent: 70 });
    await engine.idle();
    expect(await notificationsOf(progress, "ann")).toHaveLength(1);

    rmSync(join(dir, "halfway.md"));
    await eventually(() => engine.automations().length === 0, 5000, "the removal");
    writeFileSync(join(dir, "started.md"), automation("status is running", "", "{{title}} started"));
    expect((await engine.reload()).automations.map((a) => a.id)).toEqual(["started"]);
    expect(engine.automations().map((a) => a.id)).toEqual(["started"]);
    expect(log.entries.filter((e) => e.message.startsWith("loaded")).map((e) => e.message)).toEqual([
      "loaded halfway",
      "loaded halfway (disabled)",
      "loaded started",
    ]);
  });

  it("reports a malformed file with file, line and column, and the other files still fire", async () => {
    const progress = setUp();
    const dir = automationsDir({
      "bad.md": automation("status is runing and percent > 5"),
      "typo.md": automation("percent > 5", "repaet: true"),
      "good.md": automation("percent > 5", "", "{{title}} moved"),
    });
    const log = logLines();
    const engine = await runAutomations(progress, { dir, feedIntervalMs: 20, onLog: log.onLog });
    onCleanup(() => engine.close());
    await engine.idle();
    expect(engine.automations().map((a) => a.id)).toEqual(["good"]);
    expect(engine.errors()).toEqual([
      {
        file: join(dir, "bad.md"),
        line: 4,
        column: 23,
        message: "condition: status is never 'runing'; it is one of running, succeeded, failed, cancelled",
      },
      { file: join(dir, "typo.md"), line: 5, message: "unknown key 'repaet' for an event automation" },
    ]);
    const warnings = log.entries.filter((e) => e.level === "warn").map((e) => e.message);
    expect(warnings).toEqual([
      `${join(dir, "bad.md")}:4:23: condition: status is never 'runing'; it is one of running, succeeded, failed, cancelled`,
      `${join(dir, "typo.md")}:5: unknown key 'repaet' for an event automation`,
    ]);
    const run = await progress.startRun({ owner: "ann", title: "Scan" });
    await progress.updateRunProgress(run.id, "ann", { percent: 10 });
    await engine.idle();
    expect((await notificationsOf(progress, "ann")).map((n) => n.title)).toEqual(["Scan moved"]);
    // Reloading the same broken files does not say it all again.
    await engine.reload();
    expect(log.entries.filter((e) => e.level === "warn")).toHaveLength(2);
  });

  it("a file named like a built-in rule replaces that rule while it is loaded", async () => {
    const progress = setUp();
    const dir = automationsDir({
      "run-failed.md": automation(
        "status is failed and metadata.important",
        "severity: critical",
        "{{title}} failed: {{step}}",
      ),
    });
    const engine = await runAutomations(progress, { dir, feedIntervalMs: 20, onLog: () => {} });
    onCleanup(() => engine.close());
    const rules = notifyOnOutcomes(progress, {
      intervalMs: 20,
      rules: () => BUILT_IN_RULES.filter((name) => !engine.overrides(name)),
    });
    onCleanup(() => rules.close());
    await Promise.all([engine.idle(), rules.idle()]);
    expect(engine.overrides("run-failed")).toBe(true);
    expect(engine.overrides("action-required")).toBe(false);

    const minor = await progress.startRun({ owner: "ann", title: "Minor" });
    const major = await progress.startRun({ owner: "ann", title: "Major", metadata: { important: true } });
    const asking = await progress.startRun({ owner: "ann", title: "Deploy" });
    await progress.completeRun(minor.id, "ann", "failed", { step: "timeout" });
    await progress.completeRun(major.id, "ann", "failed", { step: "disk full" });
    await progress.updateRunProgress(asking.id, "ann", { state: "action_required", step: "Approve?" });
    await Promise.all([engine.idle(), rules.idle()]);
    const notes = await notificationsOf(progress, "ann");
    expect(notes.map((n) => [n.title, n.source, n.severity]).sort()).toEqual([
      ["Major failed: disk full", "automation:run-failed", "critical"],
      ["Needs you: Deploy", "rule:action-required", "warning"],
    ]);
  });
});
