import { LIMITS } from "./limits.js";
import { unicodeProblem } from "./text.js";

/** What is wrong with a metadata value, and where (`path` is relative to the metadata object). */
export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/** A checked metadata value: a deep copy of it, and the UTF-8 size of its JSON text. */
export interface JsonCopy {
  value: Record<string, unknown>;
  bytes: number;
}

/** A plain object: `{}`-made or null-prototype, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function typeName(value: unknown): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name ? name : "object";
}

/** Bytes of `text` as JSON.stringify writes it (quotes and escapes included), in UTF-8. */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) {
      if (code === 0x22 || code === 0x5c) bytes += 2;
      else if (code >= 0x20) bytes += 1;
      else bytes += code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6;
    } else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 6;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

function leafProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
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

function leafBytes(value: string | number | boolean | null): number {
  if (typeof value === "string") return jsonStringBytes(value);
  return value === null ? 4 : String(value).length;
}

/** A container being walked: its source, the copy being filled, and where it sits. */
interface Frame {
  source: object;
  copy: Record<string, unknown> | unknown[];
  keys: string[] | undefined; // undefined for arrays
  length: number;
  next: number;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined; // the key in the parent
}

function pathOf(frame: Frame | undefined, tail?: string | number): (string | number)[] {
  const path: (string | number)[] = tail === undefined ? [] : [tail];
  for (let at = frame; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}

/**
 * Checks that `root` (a plain object) is plain JSON and copies it in one
 * pass. Refused: NaN and Infinity, undefined, functions, symbols, bigints,
 * class instances (Date, Map, …), symbol keys, lone surrogates in keys or
 * strings, cycles, nesting deeper than `LIMITS.metadataDepth` (the root
 * object is level 1), and more than `LIMITS.metadataBytes` of JSON (UTF-8),
 * which stops the walk as soon as it is passed. Iterative, so 100,000 levels
 * of nesting cost a loop, not a stack overflow. The copy shares nothing with
 * the input, so later changes to the caller's object cannot reach the store.
 */
export function copyJsonObject(root: Record<string, unknown>): JsonCopy | JsonProblem {
  const maxDepth = LIMITS.metadataDepth;
  const maxBytes = LIMITS.metadataBytes;
  const tooBig: JsonProblem = { path: [], message: `must be at most ${maxBytes} bytes serialized (16 KiB)` };
  let bytes = 0;
  let frame: Frame | undefined;

  /** Starts walking a container (already known to be an array or plain object); a problem, or undefined. */
  const open = (source: object, parent: Frame | undefined, key: string | number | undefined) => {
    const depth = parent ? parent.depth + 1 : 1;
    if (depth > maxDepth) return { path: [], message: `nesting deeper than ${maxDepth} levels` };
    for (let up = parent; up !== undefined; up = up.parent) {
      if (up.source === source) {
        return {
          path: pathOf(parent, key),
          message: "must be JSON-serializable (it contains a reference to itself: a cycle)",
        };
      }
    }
    if (Object.getOwnPropertySymbols(source).length > 0) {
      return { path: pathOf(parent, key), message: "must have string keys only (found a symbol key)" };
    }
    const isArray = Array.isArray(source);
    const keys = isArray ? undefined : Object.keys(source);
    const length = isArray ? source.length : (keys as string[]).length;
    // Brackets, and a comma between members; every member is at least one more byte.
    bytes += 2 + Math.max(0, length - 1);
    if (bytes + length > maxBytes) return tooBig;
    const copy: Record<string, unknown> | unknown[] = isArray ? [] : {};
    if (parent) setMember(parent.copy, key as string | number, copy);
    frame = { source, copy, keys, length, next: 0, depth, parent, key };
    return undefined;
  };

  const first = open(root, undefined, undefined);
  if (first) return first;
  const top = (frame as unknown as Frame).copy as Record<string, unknown>;

  while (frame !== undefined) {
    if (frame.next >= frame.length) {
      frame = frame.parent;
      continue;
    }
    const index = frame.next++;
    let key: string | number = index;
    if (frame.keys) {
      key = frame.keys[index] as string;
      const keyProblem = unicodeProblem(key);
      if (keyProblem) return { path: pathOf(frame), message: `has a key that ${keyProblem}` };
      bytes += jsonStringBytes(key) + 1;
    }
    const value = (frame.source as Record<string | number, unknown>)[key];
    if (typeof value === "object" && value !== null) {
      if (!Array.isArray(value) && !isPlainObject(value)) {
        return { path: pathOf(frame, key), message: `must be a plain JSON object or array (got ${typeName(value)})` };
      }
      const problem = open(value, frame, key);
      if (problem) return problem;
      continue;
    }
    const problem = leafProblem(value);
    if (problem) return { path: pathOf(frame, key), message: problem };
    bytes += leafBytes(value as string | number | boolean | null);
    if (bytes > maxBytes) return tooBig;
    // -0 is written as 0 and read back as 0; copy it as JSON would.
    setMember(frame.copy, key, value === 0 ? 0 : value);
  }
  if (bytes > maxBytes) return tooBig;
  return { value: top, bytes };
}

/** Sets a member of a fresh copy; `__proto__` stays a plain own key, as JSON.parse makes it. */
function setMember(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string | number, unknown>)[key] = value;
}

/** The first problem in `root`, or undefined when it is plain JSON within the limits. */
export function findJsonProblem(root: unknown): JsonProblem | undefined {
  if (!isPlainObject(root)) return { path: [], message: "must be a JSON object" };
  const result = copyJsonObject(root);
  return "message" in result ? result : undefined;
}

/** The message for a `metadata.weight` that cannot weigh a child in its parent's roll-up, or undefined. */
export function weightProblem(weight: unknown): string | undefined {
  if (typeof weight === "number" && Number.isFinite(weight) && weight > 0 && weight <= LIMITS.weightMax) return;
  return `must be a finite number between 0 (exclusive) and ${LIMITS.weightMax}`;
}
