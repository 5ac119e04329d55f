import type { Expr } from "./ast.js";
import { formatDurationLiteral } from "./units.js";

function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

function formatName(node: Extract<Expr, { kind: "name" }>): string {
  return (
    node.name + node.path.map((key) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${quote(key)}]`)).join("")
  );
}

/** A number as the lexer reads it: never in exponent notation. */
function formatNumber(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // "1.25e-7" → "0.000000125": the same digits, the point moved.
  const [mantissa = "", exponent = "0"] = text.split(/e/i);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const [whole = "", fraction = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Canonical text of a condition: every compound operand in parentheses; parses back to the same tree. */
export function formatExpression(node: Expr): string {
  const wrap = (inner: Expr): string => {
    const text = formatExpression(inner);
    return inner.kind === "arith" ||
      inner.kind === "compare" ||
      inner.kind === "and" ||
      inner.kind === "or" ||
      inner.kind === "not"
      ? `(${text})`
      : text;
  };
  switch (node.kind) {
    case "number":
      return formatNumber(node.value);
    case "duration":
      return formatDurationLiteral(node.ms);
    case "string":
      return quote(node.value);
    case "boolean":
      return String(node.value);
    case "null":
      return "null";
    case "name":
      return formatName(node);
    case "arith":
    case "compare":
    case "and":
    case "or": {
      const op = node.kind === "arith" || node.kind === "compare" ? node.op : node.kind;
      return `${wrap(node.left)} ${op} ${wrap(node.right)}`;
    }
    case "not":
      return `not ${wrap(node.operand)}`;
  }
}
