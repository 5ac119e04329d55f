import { LIMITS } from "./limits.js";
import { unicodeProblem } from "./text.js";

/** What is wrong with a metadata value, and where (`path` is relative to the metadata object). */
export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

interface Frame {
  value: unknown;
  path: (string | number)[];
  depth: number;
  parent: Frame | undefined;
}

/** A plain object: `{}`-made or null-prototype, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name ? name : "object";
}

function leafProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return unicodeProblem(value);
    case "number":
      return Number.isFinite(value) ? undefined : `must be a finite number (got ${value})`;
    case "boolean":
      return undefined;
    case "undefined":
      return "must be a JSON value (got undefined; leave the key out or use null)";
    case "bigint":
      return "must be a JSON value (got a bigint; use a number or a string)";
    default:
      return `must be a JSON value (got a ${typeof value})`;
  }
}

/**
 * Finds the first value in `root` that is not plain JSON: NaN and Infinity,
 * undefined, functions, symbols, bigints, class instances (Date, Map, …),
 * symbol keys, lone surrogates in keys or strings, cycles, nesting deeper
 * than `LIMITS.metadataDepth` (the root object is level 1), or more nodes
 * than could fit in `LIMITS.metadataBytes`. Iterative, so 8,000 levels of
 * nesting cost a loop, not a stack overflow.
 */
export function findJsonProblem(root: unknown): JsonProblem | undefined {
  const maxDepth = LIMITS.metadataDepth;
  // Every value serializes to at least one byte, so more nodes than bytes cannot fit.
  const maxNodes = LIMITS.metadataBytes;
  let nodes = 0;
  const stack: Frame[] = [{ value: root, path: [], depth: 1, parent: undefined }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (++nodes > maxNodes)
      return { path: [], message: `must be at most ${LIMITS.metadataBytes} bytes serialized (16 KiB)` };
    const { value, path } = frame;
    if (typeof value !== "object" || value === null) {
      if (value === null) continue;
      const message = leafProblem(value);
      if (message) return { path, message };
      continue;
    }
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) {
      return { path, message: `must be a plain JSON object or array (got ${typeName(value)})` };
    }
    if (frame.depth > maxDepth) return { path: [], message: `nesting deeper than ${maxDepth} levels` };
    for (let up = frame.parent; up !== undefined; up = up.parent) {
      if (up.value === value) {
        return { path, message: "must be JSON-serializable (it contains a reference to itself: a cycle)" };
      }
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      return { path, message: "must have string keys only (found a symbol key)" };
    }
    const depth = frame.depth + 1;
    const tooBig = { path: [], message: `must be at most ${LIMITS.metadataBytes} bytes serialized (16 KiB)` };
    if (isArray) {
      const items = value as unknown[];
      if (items.length > maxNodes - nodes) return tooBig;
      for (let index = items.length - 1; index >= 0; index--) {
        stack.push({ value: items[index], path: [...path, index], depth, parent: frame });
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > maxNodes - nodes) return tooBig;
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      const keyProblem = unicodeProblem(key);
      if (keyProblem) return { path, message: `has a key that ${keyProblem}` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key], depth, parent: frame });
    }
  }
  return undefined;
}

/** The message for a `metadata.weight` that cannot weigh a child in its parent's roll-up, or undefined. */
export function weightProblem(weight: unknown): string | undefined {
  if (typeof weight === "number" && Number.isFinite(weight) && weight > 0 && weight <= LIMITS.weightMax) return;
  return `must be a finite number between 0 (exclusive) and ${LIMITS.weightMax}`;
}
