import { HeadwayError } from "../../core/errors.js";

/** Where a condition went wrong: 1-based line and column in the condition text. */
export interface ConditionPosition {
  line: number;
  column: number;
}

/**
 * A condition that cannot be compiled: bad syntax, a type mismatch known before evaluation
 * (a time compared with a duration), an unknown field or value, or a limit (length, nesting).
 * The message reads `condition: line 1, column 23: expected a duration unit after 5`.
 */
export class ConditionSyntaxError extends HeadwayError {
  readonly line: number;
  readonly column: number;
  /** The message without the `condition: line …, column …:` prefix. */
  readonly detail: string;
  readonly kind: "syntax" | "type" | "limit";
  constructor(position: ConditionPosition, detail: string, kind: "syntax" | "type" | "limit" = "syntax") {
    super("condition_error", `condition: line ${position.line}, column ${position.column}: ${detail}`);
    this.name = "ConditionSyntaxError";
    this.line = position.line;
    this.column = position.column;
    this.detail = detail;
    this.kind = kind;
  }
}
