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
      return String(node.value);
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
