import { describe, expect, it } from "vitest";
import {
  ownerSchema,
  parseInput,
  runPatchSchema,
  ValidationError,
  validateOwner,
  validatePatch,
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

describe("validation", () => {
  it("clamps and rounds percent", () => {
    expect(validatePatch({ percent: 140 }).percent).toBe(100);
    expect(validatePatch({ percent: -3 }).percent).toBe(0);
    expect(validatePatch({ percent: 44.6 }).percent).toBe(45);
    expect(validatePatch({ percent: null }).percent).toBeNull();
  });

  it.each([NaN, Infinity, -Infinity, "abc", "45"])("rejects a percent of %s, naming the field", (percent) => {
    const error = errorOf(() => validatePatch({ percent }));
    expect(error.field).toBe("percent");
    expect(error.message).toMatch(/percent: must be a finite number/);
  });

  it("names the field and the limit for over-long strings", () => {
    const title = errorOf(() => validateStart({ owner: "a", title: "x".repeat(201) }));
    expect(title.field).toBe("title");
    expect(title.message).toBe("title: must be at most 200 characters");
    const step = errorOf(() => validatePatch({ step: "y".repeat(501) }));
    expect(step.message).toBe("step: must be at most 500 characters");
    expect(validatePatch({ step: "y".repeat(500) }).step).toHaveLength(500);
  });

  it("rejects oversized and non-object metadata", () => {
    const big = errorOf(() => validatePatch({ metadata: { blob: "z".repeat(17_000) } }));
    expect(big.field).toBe("metadata");
    expect(big.message).toMatch(/at most 16384 bytes/);
    expect(errorOf(() => validatePatch({ metadata: [1, 2] })).field).toBe("metadata");
    expect(errorOf(() => validatePatch({ metadata: "text" })).message).toMatch(/JSON object/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorOf(() => validatePatch({ metadata: cyclic })).message).toMatch(/JSON-serializable/);
  });

  it("requires owner and title, and rejects unknown states", () => {
    expect(errorOf(() => validateStart({ owner: "", title: "t" })).field).toBe("owner");
    expect(errorOf(() => validateStart({ owner: "o" })).field).toBe("title");
    expect(errorOf(() => validatePatch({ state: "sleeping" })).message).toMatch(/state: must be one of submitted/);
  });
});

describe("fast paths agree with the schemas", () => {
  const patches: unknown[] = [
    { percent: 45.5 },
    { percent: -1, step: "x" },
    { percent: 1e9 },
    { percent: null, step: null },
    { step: "" },
    { step: "s".repeat(500) },
    { step: "s".repeat(501) },
    { percent: Number.NaN },
    { percent: "12" },
    { step: 5 },
    { percent: 3, title: "renamed" },
    { percent: 3, extra: true },
    { step: "lone \uD800" },
    { percent: 3, step: "\uDC00" },
    { step: "pair 😀" },
    { status: "succeeded" },
    { percent: 3, status: "running" },
    {},
    null,
    undefined,
    [],
    Object.create(null),
  ];

  it.each(patches.map((patch) => [patch]))("validatePatch(%j) matches the zod schema", (patch) => {
    let viaSchema: unknown;
    let schemaError: string | undefined;
    try {
      viaSchema = parseInput(runPatchSchema, patch ?? {}, "patch");
    } catch (error) {
      schemaError = (error as Error).message;
    }
    if (schemaError) expect(() => validatePatch(patch)).toThrow(schemaError);
    else expect(validatePatch(patch)).toEqual(viaSchema);
  });

  it.each([["ann"], [""], ["x".repeat(320)], ["x".repeat(321)], [42], [undefined], ["ann\uD800"], ["ann\n"]])(
    "validateOwner(%j)",
    (owner) => {
      let schemaError: string | undefined;
      try {
        parseInput(ownerSchema, owner, "owner");
      } catch (error) {
        schemaError = (error as Error).message;
      }
      if (schemaError) expect(() => validateOwner(owner)).toThrow(schemaError);
      else expect(validateOwner(owner)).toBe(owner);
    },
  );
});
