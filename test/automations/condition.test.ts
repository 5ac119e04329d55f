import { describe, expect, it } from "vitest";
import { CONDITION_LIMITS, ConditionSyntaxError, parseCondition } from "../../src/automations/index.js";
import { MINUTE, makeRun, T0 } from "./run-fixture.js";

function errorOf(text: string): ConditionSyntaxError {
  try {
    parseCondition(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConditionSyntaxError);
    return error as ConditionSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseCondition: the seed's condition", () => {
  const seed = parseCondition("status is running and (now - started) > 5 minutes");

  it("works exactly as written and knows it depends on time", () => {
    expect(seed.usesTime).toBe(true);
    expect(seed.evaluate(makeRun(), T0 + 6 * MINUTE)).toBe(true);
    expect(seed.evaluate(makeRun(), T0 + 4 * MINUTE)).toBe(false);
    expect(seed.evaluate(makeRun(), T0 + 5 * MINUTE)).toBe(false);
    expect(seed.evaluate(makeRun({ status: "failed" }), T0 + 6 * MINUTE)).toBe(false);
  });

  it("formats canonically", () => {
    expect(seed.format()).toBe("(status = running) and ((now - started) > 5m)");
    expect(parseCondition(seed.format()).evaluate(makeRun(), T0 + 6 * MINUTE)).toBe(true);
  });
});

describe("parseCondition: valid conditions", () => {
  const now = T0 + 10 * MINUTE;
  const cases: Array<[string, Parameters<typeof makeRun>[0], boolean]> = [
    ["percent >= 45", {}, true],
    ["percent < 45", {}, false],
    ["percent > 10 and percent <= 50", {}, true],
    ["percent = 45 or percent != 45", {}, true],
    ["percent == 45", {}, true],
    ["percent is null", { percent: null }, true],
    ["percent > 10", { percent: null }, false],
    ["not (percent > 10)", { percent: null }, true],
    ["status is not running", {}, false],
    ["status is 'running'", {}, true],
    ['state is "tool_running"', {}, true],
    ["state is completed", { state: "completed" }, true],
    ["state is action_required", { state: "action_required" }, true],
    ["attention is stale", {}, false],
    ["attention is null", {}, true],
    ["step contains 'classifying'", {}, true],
    ["step not contains 'Fetch'", {}, true],
    ["title contains \"emails\" and owner is 'alice@example.com'", {}, true],
    ["cancelRequested", { cancelRequested: true }, true],
    ["not cancelRequested", {}, true],
    ["cancelRequested is false", {}, true],
    ["elapsed > 9 minutes", {}, true],
    ["elapsed > 1h", {}, false],
    ["elapsed < 1.5h", {}, true],
    ["elapsed >= 600s and elapsed <= 600000ms", {}, true],
    ["elapsed > 9m 59s", {}, true],
    ["elapsed = 10 min", {}, true],
    ["90 seconds < elapsed", {}, true],
    ["now - updated > 2 minutes", {}, true],
    ["updated + 5 minutes < now", {}, true],
    ["now - 5 minutes > started", {}, true],
    ["started < now", {}, true],
    ["completed is null", {}, true],
    ["eta > 1 minute", { etaMs: 120_000 }, true],
    ["eta > 1 minute", {}, false],
    ["metadata.tier is 'gold'", { metadata: { tier: "gold" } }, true],
    ["metadata.customer.tier is 'gold'", { metadata: { customer: { tier: "gold" } } }, true],
    ['metadata["x-y"] = 2', { metadata: { "x-y": 2 } }, true],
    ["metadata.tags contains 'urgent'", { metadata: { tags: ["urgent"] } }, true],
    ["metadata.count > 3", { metadata: { count: 5 } }, true],
    ["metadata.count > 3", { metadata: { count: "5" } }, false],
    ["metadata.missing is null", {}, true],
    ["metadata.constructor is null", {}, true],
    ["metadata.urgent", { metadata: { urgent: true } }, true],
    ["metadata.urgent", { metadata: { urgent: "yes" } }, false],
    ["version + 1 = 4", {}, true],
    ["percent > -1", {}, true],
    ["(status is running or status is failed) and not (percent > 90)", {}, true],
    ["status is running # comments run to the end of the line\n  and percent > 10", {}, true],
  ];
  for (const [text, overrides, expected] of cases) {
    it(`${text} → ${expected}`, () => {
      expect(parseCondition(text).evaluate(makeRun(overrides), now)).toBe(expected);
    });
  }

  it("flags only time-dependent conditions for the timer", () => {
    expect(parseCondition("percent > 50").usesTime).toBe(false);
    expect(parseCondition("updated < started").usesTime).toBe(false);
    expect(parseCondition("elapsed > 5m").usesTime).toBe(true);
    expect(parseCondition("percent > 50 or now - updated > 1m").usesTime).toBe(true);
  });

  it("uses the run's end for elapsed once it completed", () => {
    const done = makeRun({ status: "succeeded", completedAt: new Date(T0 + 2 * MINUTE).toISOString() });
    expect(parseCondition("elapsed > 3 minutes").evaluate(done, T0 + 60 * MINUTE)).toBe(false);
  });

  it("and binds tighter than or", () => {
    const c = parseCondition("percent > 90 and status is failed or cancelRequested");
    expect(c.evaluate(makeRun({ cancelRequested: true }), T0)).toBe(true);
    expect(c.format()).toBe("((percent > 90) and (status = failed)) or cancelRequested");
  });
});

describe("parseCondition: errors name line and column", () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ["status is running and (now - started) > 5", 1, 41, /expected a duration unit after 5/],
    ["status is running and now - started > 5 bananas", 1, 41, /expected a duration unit after 5, found 'bananas'/],
    ["now > 5 minutes", 1, 5, /cannot compare now \(a time\) with a duration/],
    ["elapsed > started", 1, 9, /cannot compare elapsed \(a duration\) with started \(a time\)/],
    ["status is runing", 1, 11, /status is never 'runing'; it is one of running, succeeded, failed, cancelled/],
    ["state = 'done'", 1, 9, /state is never 'done'/],
    ["stauts is running", 1, 1, /unknown field 'stauts'/],
    ["metadata.kind is running", 1, 18, /unknown field 'running' \(text goes in quotes: "running"\)/],
    ["percent >", 1, 10, /expected a value/],
    ["percent > 5 5", 1, 13, /expected the end of the condition/],
    ["(percent > 5", 1, 13, /expected '\)' to close the '\(' at line 1, column 1/],
    ["percent > 5)", 1, 12, /a '\)' without its '\('/],
    ["step contains 'abc", 1, 15, /unterminated string/],
    ["status is running and\n  percent ~ 5", 2, 11, /unexpected character "~"/],
    ["percent > 5 and\n\n   elapsed > 5", 3, 14, /expected a duration unit after 5/],
    ["1 < percent < 3", 1, 13, /comparisons do not chain/],
    ["percent", 1, 1, /must be true or false/],
    ["percent and status is running", 1, 1, /'and' needs something true or false/],
    ["percent contains 'x'", 1, 9, /'contains' looks for text/],
    ["cancelRequested > true", 1, 17, /has no order/],
    ["started + started > now", 1, 9, /cannot add started \(a time\) to started \(a time\)/],
    ["5 minutes - now > started", 1, 11, /write the time first/],
    ["status.x is 1", 1, 1, /only metadata has keys/],
    ["metadata is null", 1, 1, /name a metadata key/],
    ["", 1, 1, /the condition is empty/],
    ["is running", 1, 1, /found the keyword 'is'/],
    ["step contains 'a\\q'", 1, 17, /unknown escape/],
  ];
  for (const [text, line, column, message] of cases) {
    it(`${JSON.stringify(text)} → ${line}:${column}`, () => {
      const error = errorOf(text);
      expect({ line: error.line, column: error.column }).toEqual({ line, column });
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`condition: line ${line}, column ${column}: `)).toBe(true);
    });
  }

  it("refuses a condition over the length limit, naming the limit", () => {
    const text = `percent > 1${" or percent > 1".repeat(200)}`;
    const error = errorOf(text);
    expect(error.kind).toBe("limit");
    expect(error.message).toMatch(new RegExp(`the limit is ${CONDITION_LIMITS.maxLength}`));
  });

  it("refuses nesting past the depth limit, naming the limit", () => {
    const deep = `${"(".repeat(40)}percent > 1${")".repeat(40)}`;
    const error = errorOf(deep);
    expect(error.kind).toBe("limit");
    expect(error.message).toMatch(/nests deeper than 32/);
    expect(error.column).toBe(33);
    expect(() => parseCondition(`${"not ".repeat(33)}cancelRequested`)).toThrow(/nests deeper than 32/);
    expect(parseCondition(`${"(".repeat(32)}percent > 1${")".repeat(32)}`).evaluate(makeRun(), T0)).toBe(true);
  });

  it("refuses what is not text", () => {
    expect(() => parseCondition(42 as unknown as string)).toThrow(ConditionSyntaxError);
  });
});
