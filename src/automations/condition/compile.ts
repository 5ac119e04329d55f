import type { AgentRun } from "../../core/types.js";
import type { BaseType, Expr, Pos, TypeInfo } from "./ast.js";
import { ConditionSyntaxError } from "./errors.js";
import { FIELDS, fieldSpec, metadataValue } from "./fields.js";

/** A checked, typed node turned into a closure over (run, now). No eval, no Function: plain calls. */
export interface Compiled {
  info: TypeInfo;
  usesTime: boolean;
  run(run: AgentRun, now: number): unknown;
}

const LITERAL_LABELS: Record<BaseType, string> = {
  boolean: "true or false",
  number: "a number",
  string: "a string",
  time: "a time",
  duration: "a duration",
  null: "null",
  any: "a metadata value",
};

const typeError = (pos: Pos, message: string): never => {
  throw new ConditionSyntaxError(pos, message, "type");
};

function literal(type: BaseType, value: unknown): Compiled {
  return { info: { type, nullable: value === null, label: LITERAL_LABELS[type] }, usesTime: false, run: () => value };
}

/** Structural equality of JSON values; never throws. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

function ordered(op: string, a: unknown, b: unknown): boolean {
  const comparable =
    (typeof a === "number" && typeof b === "number" && !Number.isNaN(a) && !Number.isNaN(b)) ||
    (typeof a === "string" && typeof b === "string");
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

/** Case-insensitive substring, or membership in a metadata array. */
function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === "string" && typeof needle === "string") {
    return haystack.toLowerCase().includes(needle.toLowerCase());
  }
  if (Array.isArray(haystack)) return haystack.some((item) => valuesEqual(item, needle));
  return false;
}

const isBareWord = (e: Expr): e is Extract<Expr, { kind: "name" }> =>
  e.kind === "name" && e.path.length === 0 && e.name !== "metadata";

function unitHint(node: Expr, other: TypeInfo): void {
  if (node.kind === "number" && other.type === "duration") {
    typeError(node.pos, `expected a duration unit after ${node.value}, as in ${node.value} minutes`);
  }
}

function compileName(node: Extract<Expr, { kind: "name" }>): Compiled {
  if (node.name === "metadata") {
    const path = node.path;
    if (path.length === 0) typeError(node.pos, "name a metadata key, as in metadata.customer");
    return {
      info: { type: "any", nullable: true, label: `metadata.${path.join(".")}` },
      usesTime: false,
      run: (run) => metadataValue(run, path),
    };
  }
  const spec = fieldSpec(node.name);
  if (!spec) {
    typeError(
      node.pos,
      `unknown field '${node.name}' (text goes in quotes: "${node.name}"); the fields are ${Object.keys(FIELDS).join(", ")}, metadata.<key>`,
    );
  }
  if (node.path.length > 0) typeError(node.pos, `only metadata has keys; '${node.name}' has none`);
  const { get } = spec!;
  return { info: spec!.info, usesTime: spec!.usesTime === true, run: get };
}

/** An enum value written bare (`status is running`) or quoted; checked against the field's values. */
function enumValue(word: string, pos: Pos, field: TypeInfo): Compiled {
  if (!field.values!.includes(word)) {
    typeError(pos, `${field.label} is never '${word}'; it is one of ${field.values!.join(", ")}`);
  }
  return literal("string", word);
}

function compileCompare(node: Extract<Expr, { kind: "compare" }>): Compiled {
  let left: Compiled;
  let right: Compiled;
  const enumSide = (word: Extract<Expr, { kind: "name" }>, other: Compiled): Compiled =>
    other.info.values && (other.info.values.includes(word.name) || !fieldSpec(word.name))
      ? enumValue(word.name, word.pos, other.info)
      : compileName(word);
  const leftFirst =
    !isBareWord(node.left) ||
    fieldSpec(node.left.name) !== undefined ||
    !isBareWord(node.right) ||
    fieldSpec(node.right.name) === undefined;
  if (leftFirst) {
    left = compile(node.left);
    right = isBareWord(node.right) ? enumSide(node.right, left) : compile(node.right);
  } else {
    right = compile(node.right);
    left = enumSide(node.left as Extract<Expr, { kind: "name" }>, right);
  }
  const l = left.info;
  const r = right.info;
  const op = node.op;
  if (op === "=" || op === "!=") {
    if (node.right.kind === "string" && l.values) enumValue(node.right.value, node.right.pos, l);
    if (node.left.kind === "string" && r.values) enumValue(node.left.value, node.left.pos, r);
  }
  if (op === "contains" || op === "not contains") {
    for (const side of [l, r]) {
      if (side.type !== "string" && side.type !== "any") {
        typeError(
          node.pos,
          `'contains' looks for text in text (or a value in a metadata list); ${side.label} is not text`,
        );
      }
    }
  }
  const loose = l.type === "any" || r.type === "any";
  if (!loose && l.type !== r.type) {
    const nullCheck = (op === "=" || op === "!=") && (l.type === "null" || r.type === "null");
    if (!nullCheck) {
      unitHint(node.right, l);
      unitHint(node.left, r);
      if ((l.type === "time" && r.type === "duration") || (l.type === "duration" && r.type === "time")) {
        typeError(
          node.pos,
          `cannot compare ${l.label} with ${r.label}; subtract times to get a duration, as in (now - started) > 5 minutes`,
        );
      }
      typeError(node.pos, `cannot compare ${l.label} with ${r.label}`);
    }
  }
  const a = left.run;
  const b = right.run;
  const usesTime = left.usesTime || right.usesTime;
  const info: TypeInfo = { type: "boolean", nullable: false, label: "a comparison" };
  if (op === "contains" || op === "not contains") {
    const negate = op === "not contains";
    return { info, usesTime, run: (run, now) => contains(a(run, now), b(run, now)) !== negate };
  }
  if (op === "=") return { info, usesTime, run: (run, now) => valuesEqual(a(run, now), b(run, now)) };
  if (op === "!=") return { info, usesTime, run: (run, now) => !valuesEqual(a(run, now), b(run, now)) };
  for (const side of [l, r]) {
    if (side.type === "boolean" || side.type === "null") {
      typeError(node.pos, `'${op}' orders numbers, durations, times or text; ${side.label} has no order`);
    }
  }
  return { info, usesTime, run: (run, now) => ordered(op, a(run, now), b(run, now)) };
}

function arithType(op: string, l: BaseType, r: BaseType): BaseType | undefined {
  if (l === "any" || r === "any") return "any";
  if (l === "number" && r === "number") return "number";
  if (l === "duration" && r === "duration") return "duration";
  if (l === "time" && r === "duration") return "time";
  if (op === "+" && l === "duration" && r === "time") return "time";
  if (op === "-" && l === "time" && r === "time") return "duration";
  return undefined;
}

function compileArith(node: Extract<Expr, { kind: "arith" }>): Compiled {
  const left = compile(node.left);
  const right = compile(node.right);
  const type = arithType(node.op, left.info.type, right.info.type);
  if (!type) {
    unitHint(node.right, left.info);
    unitHint(node.left, right.info);
    const verb = node.op === "+" ? "add" : "subtract";
    const hint =
      node.op === "-" && left.info.type === "duration" && right.info.type === "time"
        ? "; write the time first, as in now - started"
        : "";
    typeError(
      node.pos,
      `cannot ${verb} ${right.info.label} ${node.op === "+" ? "to" : "from"} ${left.info.label}${hint}`,
    );
  }
  const a = left.run;
  const b = right.run;
  const sign = node.op === "+" ? 1 : -1;
  return {
    info: { type: type!, nullable: true, label: LITERAL_LABELS[type!] },
    usesTime: left.usesTime || right.usesTime,
    run: (run, now) => {
      const x = a(run, now);
      const y = b(run, now);
      return typeof x === "number" && typeof y === "number" ? x + sign * y : null;
    },
  };
}

function requireCondition(node: Expr, compiled: Compiled, what: string): void {
  const type = compiled.info.type;
  if (type !== "boolean" && type !== "any") {
    typeError(
      node.pos,
      `${what} needs something true or false, but ${compiled.info.label} is not; compare it, as in percent > 50`,
    );
  }
}

/** Types one node (and its children) and returns its closure; throws ConditionSyntaxError on a type error. */
export function compile(node: Expr): Compiled {
  switch (node.kind) {
    case "number":
      return literal("number", node.value);
    case "duration":
      return literal("duration", node.ms);
    case "string":
      return literal("string", node.value);
    case "boolean":
      return literal("boolean", node.value);
    case "null":
      return literal("null", null);
    case "name":
      return compileName(node);
    case "arith":
      return compileArith(node);
    case "compare":
      return compileCompare(node);
    case "not": {
      const operand = compile(node.operand);
      requireCondition(node.operand, operand, "'not'");
      const f = operand.run;
      return {
        info: { type: "boolean", nullable: false, label: "a 'not'" },
        usesTime: operand.usesTime,
        run: (run, now) => f(run, now) !== true,
      };
    }
    case "and":
    case "or": {
      const left = compile(node.left);
      const right = compile(node.right);
      requireCondition(node.left, left, `'${node.kind}'`);
      requireCondition(node.right, right, `'${node.kind}'`);
      const a = left.run;
      const b = right.run;
      const info: TypeInfo = { type: "boolean", nullable: false, label: `an '${node.kind}'` };
      const usesTime = left.usesTime || right.usesTime;
      return node.kind === "and"
        ? { info, usesTime, run: (run, now) => a(run, now) === true && b(run, now) === true }
        : { info, usesTime, run: (run, now) => a(run, now) === true || b(run, now) === true };
    }
  }
}
