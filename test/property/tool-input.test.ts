/**
 * Property tests over the manage-progress tool's argument parser, run for
 * real against a SQLite file: bad arguments come back as error replies that
 * name the argument, and nothing stored changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { executeManageProgress } from "../../src/tools/index.js";
import { key, notJson, OWNER, pathTrickId, RUNS, seeded, withLoneSurrogate } from "./helpers.js";

const ARGUMENTS = [
  "action",
  "runId",
  "title",
  "step",
  "percent",
  "state",
  "status",
  "metadata",
  "metadataJson",
  "parentRunId",
  "active",
  "limit",
];
const action = fc.constantFrom("start", "update", "complete", "list");

/** Arguments each action accepts as they are, for a case to add one bad argument to. */
function baseArgs(act: string, runId: string): Record<string, unknown> {
  if (act === "start") return { action: act, title: "T" };
  if (act === "update") return { action: act, runId, percent: 10 };
  if (act === "complete") return { action: act, runId, status: "failed" };
  return { action: act };
}

/** A reply that refuses: an error code for bad input, and text naming the argument. */
function expectRefused(reply: Awaited<ReturnType<typeof executeManageProgress>>, field: string | RegExp): void {
  expect(reply.isError).toBe(true);
  expect(["invalid_argument", "validation_error"]).toContain(reply.structured.error?.code);
  if (typeof field === "string") expect(reply.text.startsWith(`${field}: `), reply.text).toBe(true);
  else expect(reply.text).toMatch(field);
}

describe("manage-progress arguments, property-based", () => {
  it("an argument the action does not use is named, never ignored", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const valid: Record<string, unknown> = {
      runId: "job-1",
      title: "T",
      step: "s",
      percent: 5,
      state: "queued",
      status: "failed",
      metadata: { a: 1 },
      metadataJson: "{}",
      parentRunId: "job-2",
      active: true,
      limit: 3,
    };
    const used: Record<string, string[]> = {
      start: ["runId", "title", "step", "percent", "state", "metadata", "metadataJson", "parentRunId"],
      update: ["runId", "title", "step", "percent", "state", "metadata", "metadataJson"],
      complete: ["runId", "status", "step", "metadata", "metadataJson"],
      list: ["active", "limit"],
    };
    await fc.assert(
      fc.asyncProperty(action, fc.constantFrom(...Object.keys(valid)), async (act, field) => {
        fc.pre(!used[act]?.includes(field));
        const reply = await executeManageProgress(s.progress, OWNER, {
          ...baseArgs(act, s.childId),
          [field]: valid[field],
        });
        expectRefused(reply, field);
        expect(reply.text).toContain(`is not used by action "${act}"`);
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("unknown arguments are named, never ignored", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const unknown = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((name) => !ARGUMENTS.includes(name) && name !== "__proto__");
    await fc.assert(
      fc.asyncProperty(action, unknown, fc.jsonValue({ maxDepth: 2 }), async (act, name, value) => {
        const args = { ...baseArgs(act, s.childId), [name]: value };
        const reply = await executeManageProgress(s.progress, OWNER, args);
        expectRefused(reply, /^unknown argument "/);
        expect(reply.text).toContain(JSON.stringify(name));
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("wrong types, NaN/Infinity and non-JSON metadata are named", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.oneof(
      fc.record({
        field: fc.constantFrom("title", "step", "runId", "metadataJson", "parentRunId"),
        value: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
      }),
      fc.record({
        field: fc.constant("percent"),
        value: fc.oneof(fc.string(), fc.constantFrom(Number.NaN, Infinity, -Infinity)),
      }),
      fc.record({
        field: fc.constant("limit"),
        value: fc.oneof(
          fc.string(),
          fc.double({ min: 0.1, max: 0.9 }),
          fc.integer({ min: 501 }),
          fc.integer({ max: 0 }),
        ),
      }),
      fc.record({ field: fc.constant("active"), value: fc.oneof(fc.string(), fc.integer()) }),
      fc.record({ field: fc.constantFrom("state", "status"), value: fc.string({ maxLength: 10 }) }),
    );
    await fc.assert(
      fc.asyncProperty(action, cases, async (act, { field, value }) => {
        const args = { ...baseArgs(act, s.childId), [field]: value };
        const reply = await executeManageProgress(s.progress, OWNER, args);
        expectRefused(reply, field);
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("start", "update", "complete"),
        key,
        notJson,
        async (act, leaf, [value, message]) => {
          const args = { ...baseArgs(act, s.childId), metadata: { [leaf]: value } };
          const reply = await executeManageProgress(s.progress, OWNER, args);
          expectRefused(reply, `metadata.${leaf}`);
          expect(reply.text).toContain(message);
        },
      ),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("malformed metadataJson is named, whatever the text", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const notAnObject = fc.oneof(
      fc.string().filter((text) => {
        try {
          const parsed = JSON.parse(text);
          return typeof parsed !== "object" || parsed === null || Array.isArray(parsed);
        } catch {
          return true;
        }
      }),
      fc
        .jsonValue()
        .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
        .map((v) => JSON.stringify(v)),
      fc.constantFrom('{"a": NaN}', "{'a': 1}", '{"a": 1,}', "{", '{"a": Infinity}', "undefined"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("start", "update", "complete"), notAnObject, async (act, metadataJson) => {
        const reply = await executeManageProgress(s.progress, OWNER, { ...baseArgs(act, s.childId), metadataJson });
        expectRefused(reply, "metadataJson");
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });

  it("long strings, lone surrogates and path tricks are named", async () => {
    const s = await seeded();
    const before = await s.snapshot();
    const cases = fc.oneof(
      fc.record({ field: fc.constant("title"), value: fc.integer({ min: 201, max: 3_000 }).map((n) => "t".repeat(n)) }),
      fc.record({ field: fc.constant("step"), value: fc.integer({ min: 501, max: 3_000 }).map((n) => "s".repeat(n)) }),
      fc.record({ field: fc.constantFrom("title", "step"), value: withLoneSurrogate.map((bad) => bad.text) }),
      fc.record({ field: fc.constantFrom("runId", "parentRunId"), value: pathTrickId.filter((id) => id !== "") }),
    );
    await fc.assert(
      fc.asyncProperty(action, cases, async (act, { field, value }) => {
        const args = { ...baseArgs(act, s.childId), [field]: value };
        // Refused by the schema, by the library (named as the tool's argument) or as unused by this action.
        expectRefused(await executeManageProgress(s.progress, OWNER, args), field);
      }),
      RUNS,
    );
    expect(await s.snapshot()).toEqual(before);
    await s.progress.close();
  });
});
