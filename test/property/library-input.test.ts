/**
 * Property tests over the library on a real SQLite file: every class of bad
 * input is a ValidationError naming the field, and nothing stored changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/core/index.js";
import {
  key,
  nested,
  notJson,
  OWNER,
  pathTrickId,
  RUNS,
  seeded,
  sqlLooking,
  validationErrorOf,
  withLoneSurrogate,
} from "./helpers.js";

const START_FIELDS = ["id", "owner", "title", "step", "percent", "metadata", "parentId", "state"];
const PATCH_FIELDS = ["percent", "step", "title", "metadata", "state", "status"];

/** Any value that is not of `type` (and, for optional fields, not undefined). */
const notA = (type: "string" | "number" | "object") =>
  fc
    .oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.string(),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(key, fc.integer(), { maxKeys: 2 }),
      fc.constant(Symbol("x")),
      fc.constant(10n),
      fc.constant(() => 0),
    )
    .filter((value) => {
      if (type === "object") return typeof value !== "object" || Array.isArray(value);
      return typeof value !== type;
    });

describe("library input, property-based (SQLite file)", () => {
  it("wrong types are named and change nothing", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.oneof(
      fc.record({ field: fc.constantFrom("title", "step", "owner"), value: notA("string") }),
      fc.record({ field: fc.constant("percent"), value: notA("number").filter((v) => v !== null) }),
      fc.record({ field: fc.constant("metadata"), value: notA("object") }),
      fc.record({ field: fc.constantFrom("state", "parentId", "id"), value: notA("string") }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ field, value }) => {
        const input: Record<string, unknown> = { owner: OWNER, title: "T", [field]: value };
        const started = await validationErrorOf(() => s.progress.startRun(input as never));
        expect(started.field).toBe(field);
        if (PATCH_FIELDS.includes(field)) {
          const patched = await validationErrorOf(() =>
            s.progress.updateRunProgress(s.childId, OWNER, { [field]: value } as never),
          );
          expect(patched.field).toBe(field);
        }
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("NaN and Infinity are refused as percent and anywhere in metadata, by path", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.record({
      path: fc.array(key, { maxLength: 6 }),
      leaf: key,
      bad: notJson,
      inArray: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ path, leaf, bad: [value, message], inArray }) => {
        let metadata: unknown = inArray ? { [leaf]: [0, value] } : { [leaf]: value };
        for (const part of [...path].reverse()) metadata = { [part]: metadata };
        const field = ["metadata", ...path, leaf, ...(inArray ? ["1"] : [])].join(".");
        for (const write of [
          () => s.progress.updateRunProgress(s.childId, OWNER, { metadata } as never),
          () => s.progress.startRun({ owner: OWNER, title: "T", metadata } as never),
          () => s.progress.completeRun(s.childId, OWNER, "failed", { metadata } as never),
        ]) {
          const error = await validationErrorOf(write);
          expect(error.field).toBe(field);
          expect(error.message).toContain(message);
        }
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(Number.NaN, Infinity, -Infinity), async (percent) => {
        const error = await validationErrorOf(() => s.progress.updateRunProgress(s.childId, OWNER, { percent }));
        expect(error.message).toBe("percent: must be a finite number between 0 and 100 (or null)");
      }),
      { numRuns: 10 },
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("huge and deep metadata are refused, naming the size or depth limit", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.oneof(
      fc
        .record({ depth: fc.integer({ min: LIMITS.metadataDepth + 1, max: 5_000 }), arrays: fc.boolean() })
        .map(({ depth, arrays }) => ({
          metadata: nested(depth, arrays),
          message: "metadata: nesting deeper than 32 levels",
        })),
      fc.integer({ min: LIMITS.metadataBytes, max: 200_000 }).map((length) => ({
        metadata: { blob: "z".repeat(length) },
        message: "metadata: must be at most 16384 bytes serialized (16 KiB)",
      })),
      fc.integer({ min: 1_700, max: 20_000 }).map((count) => ({
        metadata: Object.fromEntries(Array.from({ length: count }, (_, index) => [`key${index}`, index])),
        message: "metadata: must be at most 16384 bytes serialized (16 KiB)",
      })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ metadata, message }) => {
        const patched = await validationErrorOf(() => s.progress.updateRunProgress(s.childId, OWNER, { metadata }));
        expect(patched.message.startsWith(message)).toBe(true);
        const started = await validationErrorOf(() => s.progress.startRun({ owner: OWNER, title: "T", metadata }));
        expect(started.message.startsWith(message)).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("over-long strings are refused with the field and its limit", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const limits = { title: LIMITS.titleChars, step: LIMITS.stepChars, owner: LIMITS.ownerChars, id: LIMITS.idChars };
    const cases = fc.record({
      field: fc.constantFrom("title", "step", "owner", "id") as fc.Arbitrary<keyof typeof limits>,
      extra: fc.integer({ min: 1, max: 5_000 }),
      char: fc.constantFrom("a", "é", "\n", "\u0007", "😀".charAt(0) + "😀".charAt(1)),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ field, extra, char }) => {
        const limit = limits[field];
        const value = "a".repeat(limit + extra - 1) + char;
        const error = await validationErrorOf(() =>
          s.progress.startRun({ owner: OWNER, title: "T", [field]: value } as never),
        );
        expect(error.field).toBe(field);
        expect(error.message).toContain(`${field}: must`);
        if (value.length > limit) expect(error.message).toContain(`at most ${limit} characters`);
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("a lone surrogate in any string is refused with its index", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.record({
      where: fc.constantFrom("title", "step", "owner", "metadata value", "metadata key", "completion step"),
      bad: withLoneSurrogate,
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ where, bad: { text, index } }) => {
        const message = `must be valid Unicode (lone surrogate at index ${index})`;
        let error: Awaited<ReturnType<typeof validationErrorOf>>;
        switch (where) {
          case "title":
          case "step":
            error = await validationErrorOf(() => s.progress.updateRunProgress(s.childId, OWNER, { [where]: text }));
            expect(error.message).toBe(`${where}: ${message}`);
            break;
          case "owner":
            error = await validationErrorOf(() => s.progress.startRun({ owner: text, title: "T" }));
            expect(error.message).toBe(`owner: ${message}`);
            error = await validationErrorOf(() => s.progress.getRun(s.childId, text));
            expect(error.field).toBe("owner");
            break;
          case "metadata value":
            error = await validationErrorOf(() =>
              s.progress.updateRunProgress(s.childId, OWNER, { metadata: { note: text } }),
            );
            expect(error.message).toBe(`metadata.note: ${message}`);
            break;
          case "metadata key":
            error = await validationErrorOf(() =>
              s.progress.updateRunProgress(s.childId, OWNER, { metadata: { [text]: 1 } }),
            );
            expect(error.message).toBe(`metadata: has a key that ${message}`);
            break;
          default:
            error = await validationErrorOf(() => s.progress.completeRun(s.childId, OWNER, "failed", { step: text }));
            expect(error.message).toBe(`step: ${message}`);
        }
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("unknown fields are named in every input, and a patch of only unknown fields bumps nothing", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const unknownKey = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter(
        (name) => ![...START_FIELDS, ...PATCH_FIELDS, "activeOnly", "limit", "cursor", "__proto__"].includes(name),
      );
    const cases = fc.record({
      name: unknownKey,
      value: fc.jsonValue(),
      target: fc.constantFrom("start", "patch", "patch-only", "complete", "list"),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ name, value, target }) => {
        const extra = { [name]: value };
        const write = {
          start: () => s.progress.startRun({ owner: OWNER, title: "T", ...extra } as never),
          patch: () => s.progress.updateRunProgress(s.childId, OWNER, { percent: 50, ...extra } as never),
          "patch-only": () => s.progress.updateRunProgress(s.childId, OWNER, extra as never),
          complete: () => s.progress.completeRun(s.childId, OWNER, "succeeded", { step: "x", ...extra } as never),
          list: () => s.progress.listRuns(OWNER, { limit: 5, ...extra } as never),
        }[target];
        const error = await validationErrorOf(write);
        expect(error.field).toBe(name);
        expect(error.message).toContain(`${name}: is not a known field (known fields: `);
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("path tricks in ids are refused by name wherever an id comes in", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    await fc.assert(
      fc.asyncProperty(pathTrickId, async (id) => {
        for (const call of [
          () => s.progress.getRun(id, OWNER),
          () => s.progress.updateRunProgress(id, OWNER, { percent: 1 }),
          () => s.progress.completeRun(id, OWNER, "failed"),
          () => s.progress.deleteRun(id, OWNER),
          () => s.progress.heartbeat(id, OWNER),
          () => s.progress.requestCancel(id, OWNER),
        ]) {
          expect((await validationErrorOf(call)).field).toBe("id");
        }
        expect((await validationErrorOf(() => s.progress.startRun({ id, owner: OWNER, title: "T" }))).field).toBe("id");
        expect(
          (await validationErrorOf(() => s.progress.startRun({ owner: OWNER, title: "T", parentId: id }))).field,
        ).toBe("parentId");
        expect((await validationErrorOf(() => s.progress.listRuns(OWNER, { cursor: id }))).field).toBe("cursor");
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("SQL-looking strings are data: ids refused by charset, owners see nothing, text read back as written", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    await fc.assert(
      fc.asyncProperty(sqlLooking, fc.string({ maxLength: 8 }), async (sql, noise) => {
        const text = sql + noise;
        expect((await validationErrorOf(() => s.progress.getRun(text, OWNER))).field).toBe("id");
        // As an owner it is just a name nobody has: no runs, no leak.
        expect(await s.progress.listRuns(text, { activeOnly: false })).toEqual([]);
        expect(await s.progress.getRun(s.childId, text)).toBeNull();
        expect(await s.progress.updateRunProgress(s.childId, text, { percent: 99 })).toBeNull();
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    // As text it is stored and read back exactly.
    await fc.assert(
      fc.asyncProperty(sqlLooking, async (sql) => {
        const run = await s.progress.startRun({ owner: OWNER, title: sql, step: sql, metadata: { [sql]: sql } });
        expect(await s.progress.getRun(run.id, OWNER)).toMatchObject({
          title: sql,
          step: sql,
          metadata: { [sql]: sql },
        });
        expect(await s.progress.deleteRun(run.id, OWNER)).toBe(true);
      }),
      { numRuns: 20 },
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("valid text of any kind (control characters, emoji, every plane) is read back exactly", async () => {
    const s = await seeded();
    const text = (max: number) => fc.string({ unit: "binary", minLength: 1, maxLength: max });
    await fc.assert(
      fc.asyncProperty(
        text(LIMITS.titleChars),
        fc.option(text(LIMITS.stepChars), { nil: null }),
        fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
        async (title, step, metadata) => {
          fc.pre(title.length <= LIMITS.titleChars && (step === null || step.length <= LIMITS.stepChars));
          fc.pre(!Object.hasOwn(metadata, "weight"));
          const run = await s.progress.startRun({ owner: OWNER, title, step, metadata });
          const read = await s.progress.getRun(run.id, OWNER);
          expect(read?.title).toBe(title);
          expect(read?.step).toBe(step);
          expect(read?.metadata).toEqual(JSON.parse(JSON.stringify(metadata)));
          await s.progress.deleteRun(run.id, OWNER);
        },
      ),
      { numRuns: 100 },
    );
    await s.progress.close();
  });
});
