import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConditionSyntaxError, formatExpression, parseCondition } from "../../src/automations/index.js";
import { RUN_STATES, RUN_STATUSES } from "../../src/core/types.js";
import { makeRun, T0 } from "./run-fixture.js";

const quoted = fc
  .string({ maxLength: 8 })
  .filter((s) => !s.includes("\n"))
  .map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
const cmp = fc.constantFrom("<", "<=", ">", ">=", "=", "!=", "is", "is not");
const unit = fc.constantFrom("ms", "s", "seconds", "m", "minutes", "min", "h", "hour", "hours", "d", "days", "w");
const durationLiteral = fc
  .tuple(fc.oneof(fc.nat({ max: 500 }), fc.constantFrom(0.5, 1.5, 2.25)), unit, fc.boolean())
  .map(([n, u, spaced]) => `${n}${spaced ? " " : ""}${u}`);
const number = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.constantFrom("0.5", "12.75"));
const numberExpr = fc.oneof(number, fc.constantFrom("percent", "version", "metadata.n", "metadata.a.b"));
const durationExpr = fc.oneof(
  durationLiteral,
  fc.constantFrom("elapsed", "eta", "(now - started)", "(now - updated)", "(heartbeat - started)"),
);
const timeExpr = fc.oneof(
  fc.constantFrom("now", "started", "updated", "heartbeat", "completed"),
  durationLiteral.map((d) => `(started + ${d})`),
  durationLiteral.map((d) => `(now - ${d})`),
);

/** Random well-typed conditions, built from the grammar's productions. */
const condition: fc.Arbitrary<string> = fc.letrec<{ bool: string }>((tie) => ({
  bool: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(numberExpr, cmp, numberExpr).map((p) => p.join(" ")),
    fc.tuple(durationExpr, cmp, durationExpr).map((p) => p.join(" ")),
    fc.tuple(timeExpr, cmp, timeExpr).map((p) => p.join(" ")),
    fc
      .tuple(fc.constantFrom("is", "is not", "=", "!="), fc.constantFrom(...RUN_STATUSES))
      .map(([o, v]) => `status ${o} ${v}`),
    fc.constantFrom(...RUN_STATES).map((v) => `state is ${v}`),
    fc.constantFrom("state is null", "attention is stale", "percent is null", "cancelRequested", "metadata.flag"),
    fc
      .tuple(
        fc.constantFrom("step", "title", "owner", "metadata.tags"),
        fc.constantFrom("contains", "not contains"),
        quoted,
      )
      .map((p) => p.join(" ")),
    fc.tuple(tie("bool"), fc.constantFrom("and", "or"), tie("bool")).map(([a, o, b]) => `${a} ${o} ${b}`),
    tie("bool").map((b) => `not (${b})`),
    tie("bool").map((b) => `(${b})`),
  ),
})).bool;

const json = fc.jsonValue({ maxDepth: 2 });
const run = fc
  .record({
    status: fc.constantFrom(...RUN_STATUSES),
    state: fc.option(fc.constantFrom(...RUN_STATES)),
    percent: fc.option(fc.integer({ min: 0, max: 100 })),
    step: fc.option(fc.string({ maxLength: 20 })),
    cancelRequested: fc.boolean(),
    etaMs: fc.option(fc.nat()),
    startedOffset: fc.integer({ min: -3_600_000, max: 3_600_000 }),
    metadata: fc.record({ n: json, a: json, flag: json, tags: json }, { requiredKeys: [] }),
  })
  .map(({ startedOffset, ...rest }) =>
    makeRun({ ...rest, createdAt: new Date(T0 + startedOffset).toISOString() } as Parameters<typeof makeRun>[0]),
  );
const now = fc.integer({ min: T0 - 86_400_000, max: T0 + 86_400_000 });

afterEach(() => vi.restoreAllMocks());

describe("condition properties", () => {
  it("random valid conditions parse, evaluate to a boolean, and round-trip through format", () => {
    fc.assert(
      fc.property(condition, run, now, (text, agentRun, at) => {
        const compiled = parseCondition(text);
        const result = compiled.evaluate(agentRun, at);
        expect(typeof result).toBe("boolean");
        const again = parseCondition(compiled.format());
        expect(again.format()).toBe(compiled.format());
        expect(again.evaluate(agentRun, at)).toBe(result);
        expect(again.usesTime).toBe(compiled.usesTime);
      }),
      { numRuns: 400 },
    );
  });

  it("any number or duration literal reads back the same after format", () => {
    const literal = fc.oneof(
      fc
        .double({ min: 0, max: Number.MAX_SAFE_INTEGER, noNaN: true })
        .map((n) => formatExpression({ kind: "number", value: n, pos: { line: 1, column: 1 } })),
      fc.tuple(fc.nat({ max: 10_000_000 }), unit).map(([n, u]) => `${n} ${u}`),
    );
    fc.assert(
      fc.property(literal, (text) => {
        const compiled = parseCondition(`metadata.x = ${text}`);
        const again = parseCondition(compiled.format());
        expect(again.format()).toBe(compiled.format());
        expect(again.evaluate(makeRun({ metadata: { x: 1 } }), T0)).toBe(
          compiled.evaluate(makeRun({ metadata: { x: 1 } }), T0),
        );
      }),
      { numRuns: 300 },
    );
    expect(() => parseCondition(`percent > 1${"0".repeat(400)}`)).toThrow(/is too large/);
    expect(() => parseCondition("elapsed > 9007199254740991 weeks")).toThrow(/is too large/);
    expect(parseCondition("percent > 0.0000001").format()).toMatch(/^percent > 0\.0000001/);
  });

  it("garbage never throws anything but a ConditionSyntaxError with a line and column", () => {
    const tokens = fc.constantFrom(
      "status",
      "is",
      "not",
      "and",
      "or",
      "contains",
      "(",
      ")",
      "5",
      "minutes",
      "now",
      "-",
      "+",
      "started",
      "<",
      ">=",
      "=",
      "'x'",
      '"y',
      "metadata",
      ".",
      "[",
      "]",
      "running",
      "1.5",
      "h",
      "null",
      "true",
      "\n",
      "#",
      "~",
    );
    const soup = fc.array(tokens, { maxLength: 14 }).map((parts) => parts.join(" "));
    const dense = fc.array(tokens, { maxLength: 14 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), soup, dense),
        (text) => {
          try {
            parseCondition(text);
          } catch (error) {
            expect(error).toBeInstanceOf(ConditionSyntaxError);
            const e = error as ConditionSyntaxError;
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.column).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(text.split("\n").length);
            expect(e.message).toMatch(/^condition: line \d+, column \d+: \S/);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("an error after any valid condition points at its own line and column", () => {
    const bad = fc.constantFrom(
      { text: "status is runing", at: 11 }, // an unknown value: at the value
      { text: "percent > 5 minutes", at: 9 }, // a number compared with a duration: at the operator
      { text: "(now - started) > 5", at: 19 }, // a duration compared with a bare number: after the 5
      { text: "percent >", at: 10 }, // nothing after the operator: at the end
    );
    fc.assert(
      fc.property(condition, bad, fc.nat({ max: 6 }), (text, wrong, indent) => {
        // The valid condition on its own lines, then the bad part indented on a line of its own.
        const source = `${text}\nand\n${" ".repeat(indent)}${wrong.text}`;
        const lines = source.split("\n").length;
        try {
          parseCondition(source);
          expect.unreachable(`parsed: ${source}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ConditionSyntaxError);
          const e = error as ConditionSyntaxError;
          expect([e.line, e.column], `${source}\n${e.message}`).toEqual([lines, indent + wrong.at]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("evaluation never reaches eval or the Function constructor", () => {
    const evalSpy = vi.spyOn(globalThis, "eval");
    const functionSpy = vi.spyOn(globalThis, "Function");
    fc.assert(
      fc.property(condition, run, now, (text, agentRun, at) => {
        parseCondition(text).evaluate(agentRun, at);
      }),
      { numRuns: 100 },
    );
    expect(evalSpy).not.toHaveBeenCalled();
    expect(functionSpy).not.toHaveBeenCalled();
  });

  it("no source file of the condition language names eval or new Function", () => {
    const dir = join(import.meta.dirname, "../../src/automations/condition");
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), "utf8");
      expect(text, name).not.toMatch(/\beval\s*\(|new\s+Function|\bFunction\s*\(/);
    }
  });
});
