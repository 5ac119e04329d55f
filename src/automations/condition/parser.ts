import type { ArithOp, CompareOp, Expr, Pos } from "./ast.js";
import { ConditionSyntaxError } from "./errors.js";
import { type Token, tokenize } from "./lexer.js";
import { unitMs } from "./units.js";

/** Limits on condition text; each error names the limit. */
export const CONDITION_LIMITS = {
  /** Characters of condition text. */
  maxLength: 2000,
  /** Nested parentheses and `not`s. */
  maxDepth: 32,
} as const satisfies Record<string, number>;

export const KEYWORDS = new Set(["and", "or", "not", "is", "contains", "true", "false", "null"]);

const COMPARE_OPS: Record<string, CompareOp> = {
  "=": "=",
  "==": "=",
  "!=": "!=",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "the end of the condition";
    case "string":
      return `the string ${JSON.stringify(token.text)}`;
    case "number":
      return `the number ${token.text}`;
    default:
      return `'${token.text}'`;
  }
}

/**
 * Grammar (see docs/automations.md):
 *   condition  = or EOF
 *   or         = and { "or" and }
 *   and        = unary { "and" unary }
 *   unary      = "not" unary | comparison
 *   comparison = sum [ ( "<" | "<=" | ">" | ">=" | "=" | "==" | "!=" | "is" [ "not" ] | [ "not" ] "contains" ) sum ]
 *   sum        = primary { ( "+" | "-" ) primary }
 *   primary    = duration | [ "-" ] number | string | "true" | "false" | "null" | name | "(" or ")"
 *   duration   = [ "-" ] number unit { number unit }
 *   name       = identifier { "." identifier | "[" string "]" }
 */
export function parseExpression(source: string): Expr {
  if (source.length > CONDITION_LIMITS.maxLength) {
    const before = source.slice(0, CONDITION_LIMITS.maxLength);
    const line = before.split("\n").length;
    const column = CONDITION_LIMITS.maxLength - before.lastIndexOf("\n");
    throw new ConditionSyntaxError(
      { line, column },
      `the condition is ${source.length} characters; the limit is ${CONDITION_LIMITS.maxLength}`,
      "limit",
    );
  }
  const tokens = tokenize(source);
  let index = 0;
  let depth = 0;

  const peek = (offset = 0): Token => tokens[Math.min(index + offset, tokens.length - 1)]!;
  const next = (): Token => {
    const token = peek();
    if (index < tokens.length - 1) index++;
    return token;
  };
  const pos = (token: Token): Pos => ({ line: token.line, column: token.column });
  const fail = (token: Token, message: string): never => {
    throw new ConditionSyntaxError(pos(token), message);
  };
  const isWord = (token: Token, word: string) => token.kind === "ident" && token.text === word;
  const enter = (token: Token) => {
    depth++;
    if (depth > CONDITION_LIMITS.maxDepth) {
      throw new ConditionSyntaxError(
        pos(token),
        `the condition nests deeper than ${CONDITION_LIMITS.maxDepth} levels of parentheses and 'not'`,
        "limit",
      );
    }
  };

  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isWord(peek(), "or")) {
      const op = next();
      left = { kind: "or", left, right: parseAnd(), pos: pos(op) };
    }
    return left;
  };

  const parseAnd = (): Expr => {
    let left = parseUnary();
    while (isWord(peek(), "and")) {
      const op = next();
      left = { kind: "and", left, right: parseUnary(), pos: pos(op) };
    }
    return left;
  };

  const parseUnary = (): Expr => {
    const token = peek();
    if (isWord(token, "not")) {
      next();
      enter(token);
      const operand = parseUnary();
      depth--;
      return { kind: "not", operand, pos: pos(token) };
    }
    return parseComparison();
  };

  const parseComparison = (): Expr => {
    const left = parseSum();
    const token = peek();
    let op: CompareOp | undefined;
    if (token.kind === "op" && COMPARE_OPS[token.text]) {
      next();
      op = COMPARE_OPS[token.text];
    } else if (isWord(token, "is")) {
      next();
      if (isWord(peek(), "not")) {
        next();
        op = "!=";
      } else op = "=";
    } else if (isWord(token, "contains")) {
      next();
      op = "contains";
    } else if (isWord(token, "not") && isWord(peek(1), "contains")) {
      next();
      next();
      op = "not contains";
    }
    if (!op) return left;
    const right = parseSum();
    const after = peek();
    if ((after.kind === "op" && COMPARE_OPS[after.text]) || isWord(after, "is") || isWord(after, "contains")) {
      fail(after, `comparisons do not chain; add 'and' or parentheses before ${describe(after)}`);
    }
    return { kind: "compare", op, left, right, pos: pos(token) };
  };

  const parseSum = (): Expr => {
    let left = parsePrimary();
    for (;;) {
      const token = peek();
      if (token.kind !== "op" || (token.text !== "+" && token.text !== "-")) return left;
      next();
      left = { kind: "arith", op: token.text as ArithOp, left, right: parsePrimary(), pos: pos(token) };
    }
  };

  /** A number, or a duration when a unit follows: `5 minutes`, `30s`, `1h 30m`. */
  const parseNumber = (negative: Token | undefined): Expr => {
    const first = next();
    const start = pos(negative ?? first);
    const sign = negative ? -1 : 1;
    let value = Number(first.text);
    if (value > Number.MAX_SAFE_INTEGER) fail(first, `the number ${first.text} is too large`);
    let unitToken = peek();
    if (unitToken.kind !== "ident" || unitMs(unitToken.text) === undefined) {
      if (unitToken.kind === "ident" && !KEYWORDS.has(unitToken.text)) {
        fail(
          unitToken,
          `expected a duration unit after ${first.text}, found '${unitToken.text}' (units: ms, s, m, h, d, w or seconds, minutes, hours, days, weeks)`,
        );
      }
      return { kind: "number", value: sign * value, pos: start };
    }
    let ms = 0;
    for (;;) {
      next();
      ms += value * unitMs(unitToken.text)!;
      // Another `<number> <unit>` continues the duration: `1h 30m`.
      if (peek().kind !== "number" || peek(1).kind !== "ident" || unitMs(peek(1).text) === undefined) break;
      value = Number(next().text);
      unitToken = peek();
    }
    if (!(ms <= Number.MAX_SAFE_INTEGER)) fail(first, `the duration starting with ${first.text} is too large`);
    return { kind: "duration", ms: sign * Math.round(ms), pos: start };
  };

  const parsePrimary = (): Expr => {
    const token = peek();
    if (token.kind === "number") return parseNumber(undefined);
    if (token.kind === "op" && token.text === "-" && peek(1).kind === "number") {
      next();
      return parseNumber(token);
    }
    if (token.kind === "string") {
      next();
      return { kind: "string", value: token.text, pos: pos(token) };
    }
    if (token.kind === "(") {
      next();
      enter(token);
      const inner = parseOr();
      depth--;
      const close = peek();
      if (close.kind !== ")")
        fail(
          close,
          `expected ')' to close the '(' at line ${token.line}, column ${token.column}, found ${describe(close)}`,
        );
      next();
      return inner;
    }
    if (token.kind === "ident") {
      if (token.text === "true" || token.text === "false") {
        next();
        return { kind: "boolean", value: token.text === "true", pos: pos(token) };
      }
      if (token.text === "null") {
        next();
        return { kind: "null", pos: pos(token) };
      }
      if (KEYWORDS.has(token.text)) fail(token, `expected a value, found the keyword '${token.text}'`);
      next();
      const path: string[] = [];
      for (;;) {
        const t = peek();
        if (t.kind === ".") {
          next();
          const key = peek();
          if (key.kind !== "ident") fail(key, `expected a key after '.', found ${describe(key)}`);
          next();
          path.push(key.text);
        } else if (t.kind === "[") {
          next();
          const key = peek();
          if (key.kind !== "string") fail(key, `expected a quoted key after '[', found ${describe(key)}`);
          next();
          const close = peek();
          if (close.kind !== "]") fail(close, `expected ']' after the key, found ${describe(close)}`);
          next();
          path.push(key.text);
        } else break;
      }
      return { kind: "name", name: token.text, path, pos: pos(token) };
    }
    return fail(token, `expected a value (a field, number, duration, string or '('), found ${describe(token)}`);
  };

  const first = peek();
  if (first.kind === "eof") fail(first, "the condition is empty");
  const expr = parseOr();
  const rest = peek();
  if (rest.kind !== "eof") {
    const hint = rest.kind === ")" ? "a ')' without its '('" : `${describe(rest)}; join conditions with 'and' or 'or'`;
    fail(rest, `expected the end of the condition, found ${hint}`);
  }
  return expr;
}
