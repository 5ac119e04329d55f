import { describe, expect, it } from "vitest";
import {
  childWeight,
  clipText,
  createRecord,
  findJsonProblem,
  LIMITS,
  loneSurrogateIndex,
  rollupPercent,
  toAgentRun,
  ValidationError,
  validateCompleteOptions,
  validateListOptions,
  validateOwner,
  validatePatch,
  validateRunId,
  validateStart,
} from "../../src/core/index.js";

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

/** Nested arrays `depth` levels deep (the outer object counting as level 1), built without recursion. */
function deepArrays(depth: number): Record<string, unknown> {
  let value: unknown = 0;
  for (let level = 1; level < depth; level++) value = [value];
  return { deep: value };
}

describe("unknown fields are named, never dropped", () => {
  it.each([
    ["startRun input", () => validateStart({ owner: "ann", title: "t", colour: "red" }), "colour"],
    ["a patch", () => validatePatch({ percent: 5, colour: "red" }), "colour"],
    ["a patch of unknown fields only", () => validatePatch({ pct: 5 }), "pct"],
    ["complete options", () => validateCompleteOptions({ step: "done", reason: "x" }), "reason"],
    ["list options", () => validateListOptions({ active: true }), "active"],
  ])("in %s", (_what, fn, field) => {
    const error = errorOf(fn);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field}: is not a known field \\(known fields: `));
  });

  it("names a field that is not an object's at all", () => {
    expect(errorOf(() => validatePatch("percent=5")).message).toBe("patch: must be an object");
  });
});

describe("agent-native compatibility: caller-chosen id, status in a patch, startedAt", () => {
  it("accepts and passes through a caller-chosen id", () => {
    for (const id of ["job-42", "run_2025.01.01", "0195a000-0000-7000-8000-000000000001", "ns:task:7", "-nanoid_x"]) {
      expect(validateStart({ id, owner: "ann", title: "t" }).id).toBe(id);
    }
    expect(validateStart({ owner: "ann", title: "t" })).not.toHaveProperty("id");
  });

  it.each([
    ["", "must not be empty"],
    ["x".repeat(65), "must be at most 64 characters"],
    ["../etc/passwd", "must use only letters, digits and _ - . :"],
    ["a/b", "must use only letters"],
    ["..", "must use only letters"],
    [".hidden", "must use only letters"],
    ["a b", "must use only letters"],
    ["a?x=1", "must use only letters"],
    ["a\nb", "must use only letters"],
    ["a%2Fb", "must use only letters"],
    ["ünïcode", "must use only letters"],
    [42, "must be a string"],
  ])("refuses the id %j by name", (id, message) => {
    const error = errorOf(() => validateStart({ id, owner: "ann", title: "t" }));
    expect(error.field).toBe("id");
    expect(error.message).toContain(`id: ${message}`);
    // The same rule holds wherever a run id comes in.
    expect(errorOf(() => validateRunId(id)).field).toBe("id");
    expect(errorOf(() => validateStart({ owner: "ann", title: "t", parentId: id })).field).toBe("parentId");
  });

  it("accepts a status in a patch, and names a wrong one", () => {
    expect(validatePatch({ status: "succeeded" })).toEqual({ status: "succeeded" });
    expect(validatePatch({ status: "running", percent: 5 })).toEqual({ status: "running", percent: 5 });
    const error = errorOf(() => validatePatch({ status: "done" }));
    expect(error.field).toBe("status");
    expect(error.message).toBe("status: must be one of running, succeeded, failed, cancelled");
  });

  it("gives every run a startedAt equal to createdAt", () => {
    const run = toAgentRun(createRecord("r1", { owner: "ann", title: "t" }, Date.parse("2025-05-01T10:00:00.000Z")));
    expect(run.startedAt).toBe("2025-05-01T10:00:00.000Z");
    expect(run.startedAt).toBe(run.createdAt);
  });
});

describe("strings are valid Unicode", () => {
  it("finds lone surrogates and only those", () => {
    expect(loneSurrogateIndex("plain")).toBe(-1);
    expect(loneSurrogateIndex("emoji 😀 ok")).toBe(-1);
    expect(loneSurrogateIndex("ab\uD800")).toBe(2);
    expect(loneSurrogateIndex("\uDC00x")).toBe(0);
    expect(loneSurrogateIndex("😀\uDE00")).toBe(2);
    expect(loneSurrogateIndex("\uD83D\uD83D\uDE00")).toBe(0);
  });

  it.each([
    ["title", () => validateStart({ owner: "ann", title: "ok\uD800" }), "title", 2],
    ["step (fast path)", () => validatePatch({ step: "x\uDC00" }), "step", 1],
    ["step with percent (fast path)", () => validatePatch({ percent: 3, step: "\uD800" }), "step", 0],
    ["step on complete", () => validateCompleteOptions({ step: "abc\uD800" }), "step", 3],
    ["owner", () => validateOwner("ann\uD800"), "owner", 3],
    ["metadata value", () => validatePatch({ metadata: { a: { b: "\uDFFF" } } }), "metadata.a.b", 0],
  ])("refuses a lone surrogate in %s", (_what, fn, field, index) => {
    const error = errorOf(fn);
    expect(error.field).toBe(field);
    expect(error.message).toBe(`${field}: must be valid Unicode (lone surrogate at index ${index})`);
  });

  it("refuses a lone surrogate in a metadata key", () => {
    const error = errorOf(() => validatePatch({ metadata: { nested: { "k\uD800": 1 } } }));
    expect(error.field).toBe("metadata.nested");
    expect(error.message).toContain("has a key that must be valid Unicode (lone surrogate at index 1)");
  });

  it("refuses control characters in an owner, and keeps them in titles and steps", () => {
    expect(errorOf(() => validateOwner("ann\u0000")).message).toBe(
      "owner: must not contain control characters (one at index 3)",
    );
    expect(validatePatch({ step: "line 1\nline 2\t\u001b[1mbold" }).step).toBe("line 1\nline 2\t\u001b[1mbold");
  });
});

describe("clipText", () => {
  it("clips to the limit without splitting a surrogate pair", () => {
    expect(clipText("short", 10)).toBe("short");
    expect(clipText("abcdef", 4)).toBe("abcd");
    expect(clipText("abc😀", 4)).toBe("abc");
    expect(clipText("abc😀d", 5)).toBe("abc😀");
    expect(clipText("ab😀cdef", 4, "…")).toBe("ab…");
    expect(clipText("abc😀def", 5, "…")).toBe("abc…");
    for (let max = 1; max < 12; max++) expect(loneSurrogateIndex(clipText("😀😀😀😀😀😀", max, "…"))).toBe(-1);
  });
});

describe("metadata is JSON", () => {
  class Point {
    x = 1;
  }
  it.each([
    [{ a: { b: Number.NaN } }, "metadata.a.b", "must be a finite number (got NaN)"],
    [{ a: Infinity }, "metadata.a", "must be a finite number (got Infinity)"],
    [{ list: [1, -Infinity] }, "metadata.list.1", "must be a finite number (got -Infinity)"],
    [{ a: undefined }, "metadata.a", "must be a JSON value (got undefined"],
    [{ list: [1, undefined] }, "metadata.list.1", "must be a JSON value (got undefined"],
    [{ f: () => 1 }, "metadata.f", "must be a JSON value (got a function)"],
    [{ s: Symbol("x") }, "metadata.s", "must be a JSON value (got a symbol)"],
    [{ n: 10n }, "metadata.n", "must be a JSON value (got a bigint"],
    [{ when: new Date(0) }, "metadata.when", "must be a plain JSON object or array (got Date)"],
    [{ m: new Map() }, "metadata.m", "must be a plain JSON object or array (got Map)"],
    [{ p: new Point() }, "metadata.p", "must be a plain JSON object or array (got Point)"],
    [{ [Symbol("k")]: 1 }, "metadata", "must have string keys only"],
  ])("refuses %o, naming the path", (metadata, field, message) => {
    for (const fn of [
      () => validatePatch({ metadata }),
      () => validateStart({ owner: "ann", title: "t", metadata }),
      () => validateCompleteOptions({ metadata }),
    ]) {
      const error = errorOf(fn);
      expect(error.field).toBe(field);
      expect(error.message).toContain(`${field}: ${message}`);
    }
  });

  it("refuses a class instance or array as the metadata itself", () => {
    expect(errorOf(() => validatePatch({ metadata: new Date() })).message).toBe("metadata: must be a JSON object");
    expect(errorOf(() => validatePatch({ metadata: [] })).message).toBe("metadata: must be a JSON object");
  });

  it("limits nesting to 32 levels, naming the limit, without recursion", () => {
    expect(validatePatch({ metadata: deepArrays(32) }).metadata).toEqual(deepArrays(32));
    for (const depth of [33, 8_000, 100_000]) {
      const error = errorOf(() => validatePatch({ metadata: deepArrays(depth) }));
      expect(error.field).toBe("metadata");
      expect(error.message).toBe(`metadata: nesting deeper than ${LIMITS.metadataDepth} levels`);
    }
  });

  it("names a cycle as one", () => {
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as { b: Record<string, unknown> }).b.back = cyclic;
    const error = errorOf(() => validatePatch({ metadata: cyclic }));
    expect(error.field).toBe("metadata.a.b.back");
    expect(error.message).toContain("cycle");
    // The same object twice (not a cycle) is fine: it serializes twice.
    const shared = { x: 1 };
    expect(validatePatch({ metadata: { one: shared, two: shared } }).metadata).toEqual({
      one: { x: 1 },
      two: { x: 1 },
    });
  });

  it("refuses a huge or sparse array by size before walking it", () => {
    const sparse: unknown[] = [];
    sparse.length = 1e9;
    expect(errorOf(() => validatePatch({ metadata: { sparse } })).message).toMatch(
      /^metadata: must be at most 16384 bytes serialized/,
    );
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`k${index}`, index]));
    expect(errorOf(() => validatePatch({ metadata: wide })).message).toMatch(/^metadata: must be at most 16384 bytes/);
  });

  it("returns the caller a copy: changing the input afterwards cannot reach the store", () => {
    const metadata = { nested: { count: 1 } };
    const valid = validatePatch({ metadata });
    metadata.nested.count = Number.NaN;
    expect(valid.metadata).toEqual({ nested: { count: 1 } });
  });

  it("copies -0 as 0, as JSON writes and reads it", () => {
    const copied = validatePatch({ metadata: { zero: -0, list: [-0] } }).metadata as { zero: number; list: number[] };
    expect(Object.is(copied.zero, 0)).toBe(true);
    expect(Object.is(copied.list[0], 0)).toBe(true);
  });

  it("keeps JSON-looking keys such as __proto__ as plain data", () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
    const valid = validatePatch({ metadata }).metadata as Record<string, unknown>;
    expect(Object.keys(valid)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("exposes the walk for other callers", () => {
    expect(findJsonProblem({ a: [1, "two", null, { b: true }] })).toBeUndefined();
    expect(findJsonProblem({ a: [1, Number.NaN] })).toEqual({
      path: ["a", 1],
      message: "must be a finite number (got NaN)",
    });
  });
});

describe("roll-up weights", () => {
  it.each([1e308, Infinity, 0, -1, 1_000_001, "heavy", null, true])(
    "refuses metadata.weight %s on write, naming the bounds",
    (weight) => {
      const error = errorOf(() => validateStart({ owner: "ann", title: "t", parentId: "p1", metadata: { weight } }));
      expect(error.field).toBe("metadata.weight");
      expect(error.message).toMatch(/^metadata\.weight: must be a finite number/);
    },
  );

  it("names the exact range for a finite weight out of bounds", () => {
    expect(errorOf(() => validatePatch({ metadata: { weight: 1e308 } })).message).toBe(
      "metadata.weight: must be a finite number between 0 (exclusive) and 1000000",
    );
  });

  it("accepts weights in (0, 1e6]", () => {
    for (const weight of [1e-9, 0.5, 1, 3, 1_000_000]) {
      expect(validatePatch({ metadata: { weight } }).metadata).toEqual({ weight });
    }
  });

  it("never yields Infinity or NaN, even from rows stored before the rule", () => {
    const huge = { percent: 50, status: "running" as const, metadata: { weight: 1e308 } };
    expect(childWeight(huge.metadata)).toBe(1);
    expect(rollupPercent([huge])).toBe(50);
    expect(rollupPercent([huge, huge])).toBe(50);
    expect(
      rollupPercent([
        { percent: Number.POSITIVE_INFINITY, status: "running", metadata: { weight: Number.NaN } },
        { percent: Number.NaN, status: "running", metadata: { weight: -5 } },
      ]),
    ).toBe(0);
    expect(rollupPercent([{ percent: 250, status: "running", metadata: {} }])).toBe(100);
    const many = Array.from({ length: 10_000 }, () => ({
      percent: 99,
      status: "running" as const,
      metadata: { weight: 1_000_000 },
    }));
    expect(rollupPercent(many)).toBe(99);
  });
});
