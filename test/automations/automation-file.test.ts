import { describe, expect, it } from "vitest";
import { AutomationFileError, parseAutomationFile } from "../../src/automations/index.js";
import { MINUTE, makeRun, SEED, T0 } from "./run-fixture.js";

function problemsOf(text: string, file = "bad.md") {
  try {
    parseAutomationFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(AutomationFileError);
    return (error as AutomationFileError).problems;
  }
  throw new Error("expected the file to be refused");
}

describe("automation files", () => {
  it("reads the seed's file exactly as written", () => {
    const automation = parseAutomationFile(SEED, "automations/slow-runs.md");
    expect(automation).toMatchObject({
      id: "slow-runs",
      triggerType: "event",
      events: ["run.progress.updated"],
      mode: "agentic",
      repeat: false,
      severity: "info",
      enabled: true,
    });
    expect(automation.condition?.usesTime).toBe(true);
    expect(automation.condition?.evaluate(makeRun(), T0 + 6 * MINUTE)).toBe(true);
    expect(automation.condition?.evaluate(makeRun(), T0 + 4 * MINUTE)).toBe(false);
    expect(automation.render(makeRun({ id: "r-42" }), T0)).toBe(
      "Notify me that run r-42 has been running for a long time.",
    );
    expect(automation.renderTitle(makeRun({ id: "r-42" }), T0)).toBe(
      "Notify me that run r-42 has been running for a long time.",
    );
  });

  it("renders every placeholder; nulls as a dash, elapsed for people", () => {
    const automation = parseAutomationFile(
      "---\ntriggerType: event\nevent: [run.progress.started, run.progress.updated]\ntitle: '{{status}}: {{title}}'\nseverity: warning\nrepeat: true\n---\n{{runId}}|{{title}}|{{step}}|{{percent}}|{{status}}|{{ elapsed }}|{{state}}|{{owner}}\n",
      "all.md",
    );
    expect(automation.triggerType === "event" && automation.events).toEqual([
      "run.progress.started",
      "run.progress.updated",
    ]);
    expect(automation.render(makeRun(), T0 + 3 * MINUTE + 7000)).toBe(
      "run-1|Triage 128 unread emails|Classifying 90/200|45|running|3m 07s|tool_running|alice@example.com",
    );
    expect(automation.render(makeRun({ step: null, percent: null, state: null }), T0)).toBe(
      "run-1|Triage 128 unread emails|—|—|running|0s|—|alice@example.com",
    );
    expect(automation.renderTitle(makeRun(), T0)).toBe("running: Triage 128 unread emails");
    expect(automation).toMatchObject({ severity: "warning", repeat: true, mode: "deterministic", condition: null });
  });

  it("reads a schedule with cron and computes the next run", () => {
    const automation = parseAutomationFile(
      "---\ntriggerType: schedule\ncron: '*/15 * * * *'\ncondition: status is running\ntitle: Still going\n---\n",
      "quarter.md",
    );
    if (automation.triggerType !== "schedule") throw new Error("expected a schedule");
    expect(automation.timezone).toBe("UTC");
    expect(new Date(automation.nextRun(Date.UTC(2026, 0, 1, 10, 7))!).toISOString()).toBe("2026-01-01T10:15:00.000Z");
    expect(new Date(automation.nextRun(Date.UTC(2026, 0, 1, 10, 15))!).toISOString()).toBe("2026-01-01T10:30:00.000Z");
    const paris = parseAutomationFile(
      "---\ntriggerType: schedule\ncron: 0 9 * * *\ntimezone: Europe/Paris\n---\nMorning",
      "m.md",
    );
    if (paris.triggerType !== "schedule") throw new Error("expected a schedule");
    expect(new Date(paris.nextRun(Date.UTC(2026, 0, 1, 0, 0))!).toISOString()).toBe("2026-01-01T08:00:00.000Z");
  });

  it("maps a condition error to the line and column of the file", () => {
    const problems = problemsOf(SEED.replace("5 minutes", "5"));
    expect(problems).toEqual([
      { line: 4, column: 53, message: "condition: expected a duration unit after 5, as in 5 minutes" },
    ]);
    const block = problemsOf(
      "---\ntriggerType: event\nevent: run.progress.updated\ncondition: |\n  status is running\n  and elapsed > 5 bananas\n---\nx",
    );
    expect(block[0]).toMatchObject({ line: 6, column: 19 });
    expect(block[0]!.message).toMatch(/expected a duration unit after 5, found 'bananas'/);
  });

  it("names unknown keys with their lines", () => {
    const problems = problemsOf(SEED.replace("mode: agentic", "mode: agentic\nrepeats: true\nchannel: slack"));
    expect(problems).toEqual([
      { line: 6, message: "unknown key 'repeats' for an event automation" },
      { line: 7, message: "unknown key 'channel' for an event automation" },
    ]);
  });

  it("names unknown placeholders with their lines", () => {
    const problems = problemsOf(`${SEED}\nNow at {{progress}} and {{runid}}.`);
    expect(problems.map((p) => p.line)).toEqual([9, 9]);
    expect(problems[0]!.message).toMatch(/unknown placeholder \{\{progress\}\}/);
    expect(problems[1]!.message).toMatch(/unknown placeholder \{\{runid\}\}/);
    expect(problemsOf(SEED.replace("mode: agentic", "mode: agentic\ntitle: '{{nope}}'"))[0]).toMatchObject({ line: 6 });
  });

  it("reports YAML errors, bad values, a bad cron and a missing frontmatter with lines", () => {
    expect(problemsOf("---\ntriggerType: event\nevent: [run.progress.updated\n---\nx")[0]!).toMatchObject({ line: 3 });
    expect(problemsOf("---\ntriggerType: event\ntriggerType: event\n---\nx")[0]!.message).toMatch(
      /YAML: Map keys must be unique/,
    );
    expect(problemsOf("Just text")[0]).toMatchObject({ line: 1 });
    expect(problemsOf("---\ntriggerType: event\n")[0]!.message).toMatch(/no closing '---'/);
    expect(problemsOf("---\nevent: run.progress.updated\n---\nx")).toEqual([
      { line: 2, message: "triggerType is missing; it is event or schedule" },
    ]);
    expect(problemsOf("---\ntriggerType: webhook\n---\nx")[0]).toMatchObject({ line: 2 });
    const values = problemsOf("---\ntriggerType: event\nevent: run.nope\nmode: fast\nrepeat: sometimes\n---\nx");
    expect(values.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(values[0]!.message).toMatch(/run\.progress\.updated/);
    const cron = problemsOf("---\ntriggerType: schedule\ntitle: T\ncron: 61 * * * *\ntimezone: Mars/Base\n---\n");
    expect(cron).toEqual([
      expect.objectContaining({ line: 5, message: expect.stringMatching(/unknown time zone 'Mars\/Base'/) }),
      expect.objectContaining({ line: 4, message: expect.stringMatching(/invalid cron expression '61 \* \* \* \*'/) }),
    ]);
    expect(problemsOf("---\ntriggerType: schedule\ncron: ''\n---\nx")[0]!.message).toMatch(/cron expression is empty/);
    expect(problemsOf("---\ntriggerType: event\nevent: run.progress.updated\n---\n\n")[0]!.message).toMatch(
      /neither a body nor a title/,
    );
  });

  it("says file and line in the error message", () => {
    expect(() => parseAutomationFile(SEED.replace("5 minutes", "5"), "automations/slow.md")).toThrow(
      "automations/slow.md:4:53: condition: expected a duration unit after 5",
    );
  });
});
