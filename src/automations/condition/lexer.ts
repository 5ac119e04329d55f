import { type ConditionPosition, ConditionSyntaxError } from "./errors.js";

export type TokenKind = "number" | "string" | "ident" | "op" | "(" | ")" | "." | "[" | "]" | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text of the token; for strings, the decoded value. */
  text: string;
  line: number;
  column: number;
  /** Offset of the token's first character in the source. */
  start: number;
  /** Offset just past the token. */
  end: number;
}

const OPERATORS = ["<=", ">=", "!=", "==", "<", ">", "=", "+", "-"];
const ESCAPES: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", n: "\n", t: "\t" };

function isIdentStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch);
}

function isIdentPart(ch: string): boolean {
  return /[A-Za-z0-9_]/.test(ch);
}

function isDigit(ch: string): boolean {
  return ch >= "0" && ch <= "9";
}

/** Splits condition text into tokens; every token knows its line and column (1-based). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const position = (offset: number): ConditionPosition => ({ line, column: offset - lineStart + 1 });
  const push = (kind: TokenKind, text: string, start: number, end: number) => {
    tokens.push({ kind, text, start, end, ...position(start) });
  };

  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if (isDigit(ch) || (ch === "." && isDigit(source[i + 1] ?? ""))) {
      while (isDigit(source[i] ?? "")) i++;
      if (source[i] === "." && isDigit(source[i + 1] ?? "")) {
        i++;
        while (isDigit(source[i] ?? "")) i++;
      }
      push("number", source.slice(start, i), start, i);
      continue;
    }
    if (isIdentStart(ch)) {
      while (isIdentPart(source[i] ?? "")) i++;
      push("ident", source.slice(start, i), start, i);
      continue;
    }
    if (ch === '"' || ch === "'") {
      const startPosition = position(start);
      let value = "";
      i++;
      for (;;) {
        const c = source[i];
        if (c === undefined || c === "\n") {
          throw new ConditionSyntaxError(startPosition, `unterminated string starting with ${ch}`);
        }
        if (c === ch) {
          i++;
          break;
        }
        if (c === "\\") {
          const next = source[i + 1];
          const escaped = next === undefined ? undefined : ESCAPES[next];
          if (escaped === undefined) {
            throw new ConditionSyntaxError(
              position(i),
              `unknown escape \\${next ?? ""} in a string (use \\" \\' \\\\ \\n or \\t)`,
            );
          }
          value += escaped;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      push("string", value, start, i);
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op) {
      i += op.length;
      push("op", op, start, i);
      continue;
    }
    if (ch === "(" || ch === ")" || ch === "." || ch === "[" || ch === "]") {
      i++;
      push(ch, ch, start, i);
      continue;
    }
    const shown = JSON.stringify(String.fromCodePoint(source.codePointAt(i) ?? 0));
    throw new ConditionSyntaxError(position(start), `unexpected character ${shown}`);
  }
  push("eof", "", i, i);
  return tokens;
}
