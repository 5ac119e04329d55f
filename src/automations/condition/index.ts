import type { AgentRun } from "../../core/types.js";
import type { Expr } from "./ast.js";
import { compile } from "./compile.js";
import { ConditionSyntaxError } from "./errors.js";
import { formatExpression } from "./format.js";
import { parseExpression } from "./parser.js";

export type { BaseType, CompareOp, Expr, Pos, TypeInfo } from "./ast.js";
export { type ConditionPosition, ConditionSyntaxError } from "./errors.js";
export { ATTENTION_VALUES, FIELDS } from "./fields.js";
export { formatExpression } from "./format.js";
export { CONDITION_LIMITS, parseExpression } from "./parser.js";
export { DURATION_UNITS } from "./units.js";

/** A condition checked and ready to evaluate; immutable and safe to share. */
export interface CompiledCondition {
  /** The text it was parsed from. */
  readonly source: string;
  /** The syntax tree, for tools. */
  readonly ast: Expr;
  /** True when the result can change with the clock alone (`now`, `elapsed`): re-check it on a timer. */
  readonly usesTime: boolean;
  /** Whether the run matches at `now` (epoch ms). Never throws: a missing value makes a comparison false. */
  evaluate(run: AgentRun, now: number): boolean;
  /** Canonical text: the same condition with every compound operand in parentheses. */
  format(): string;
}

/**
 * Parses and type-checks a condition such as `status is running and (now - started) > 5 minutes`.
 * Throws ConditionSyntaxError naming line and column for bad syntax, a type error known before
 * evaluation (a time compared with a duration), an unknown field or value, or a limit.
 */
export function parseCondition(text: string): CompiledCondition {
  if (typeof text !== "string") {
    throw new ConditionSyntaxError({ line: 1, column: 1 }, "a condition must be text");
  }
  const ast = parseExpression(text);
  const compiled = compile(ast);
  if (compiled.info.type !== "boolean" && compiled.info.type !== "any") {
    throw new ConditionSyntaxError(
      ast.pos,
      `a condition must be true or false, but ${compiled.info.label} is not; compare it, as in percent > 50`,
      "type",
    );
  }
  const run = compiled.run;
  return Object.freeze({
    source: text,
    ast,
    usesTime: compiled.usesTime,
    evaluate: (agentRun: AgentRun, now: number) => {
      try {
        return run(agentRun, now) === true;
      } catch {
        // A malformed run (not from the store) must not take the engine down.
        return false;
      }
    },
    format: () => formatExpression(ast),
  });
}
