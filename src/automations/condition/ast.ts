/**
 * The condition syntax tree. The parser builds it untyped (`name` nodes are bare words);
 * the checker resolves every name to a field or an enum value and types every node.
 */

export interface Pos {
  line: number;
  column: number;
}

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "not contains";
export type ArithOp = "+" | "-";

export type Expr =
  | { kind: "number"; value: number; pos: Pos }
  | { kind: "duration"; ms: number; pos: Pos }
  | { kind: "string"; value: string; pos: Pos }
  | { kind: "boolean"; value: boolean; pos: Pos }
  | { kind: "null"; pos: Pos }
  /** A bare word: a field (`status`), a metadata path (`metadata.customer.tier`) or an enum value (`running`). */
  | { kind: "name"; name: string; path: string[]; pos: Pos }
  | { kind: "arith"; op: ArithOp; left: Expr; right: Expr; pos: Pos }
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr; pos: Pos }
  | { kind: "and" | "or"; left: Expr; right: Expr; pos: Pos }
  | { kind: "not"; operand: Expr; pos: Pos };

/** Types the checker knows before evaluation. `any` is a metadata value: checked when evaluated. */
export type BaseType = "boolean" | "number" | "string" | "time" | "duration" | "null" | "any";

export interface TypeInfo {
  type: BaseType;
  nullable: boolean;
  /** The only values an enum field (status, state, attention) can hold. */
  values?: readonly string[];
  /** What to call it in an error: "status", "a duration". */
  label: string;
}
