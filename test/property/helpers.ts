import fc from "fast-check";
import { expect } from "vitest";
import { type AgentRun, ValidationError } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { withoutReadTime } from "../helpers/read-time.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

export const OWNER = "ann@example.com";

/** How many cases each property tries; bounded so the suite stays quick. */
export const RUNS = { numRuns: 150 } as const;

export interface Seeded {
  progress: Progress;
  parentId: string;
  childId: string;
  doneId: string;
  /** Everything the owners can see: list and getRun, for before/after comparison (read-time ages left out). */
  snapshot(): Promise<unknown>;
}

/** A real SQLite file with a parent, a running child and a finished run, for two owners. */
export async function seeded(): Promise<Seeded> {
  const progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
  const parent = await progress.startRun({ owner: OWNER, title: "Parent", metadata: { kind: "batch" } });
  const child = await progress.startRun({
    owner: OWNER,
    title: "Child",
    parentId: parent.id,
    percent: 40,
    step: "working",
    metadata: { weight: 2 },
  });
  const done = await progress.startRun({ owner: OWNER, title: "Done" });
  await progress.completeRun(done.id, OWNER, "succeeded", { step: "all done" });
  await progress.startRun({ owner: "bob", title: "Bob's" });
  const ids = [parent.id, child.id, done.id];
  const snapshot = async () => {
    await progress.flush();
    const lists: AgentRun[][] = [];
    for (const owner of [OWNER, "bob"]) lists.push(await progress.listRuns(owner, { activeOnly: false, limit: 500 }));
    const runs = [];
    for (const id of ids) runs.push(await progress.getRun(id, OWNER));
    const children = await progress.listRuns(OWNER, { parentId: parent.id, limit: 500 });
    return withoutReadTime({ lists, runs, children });
  };
  return { progress, parentId: parent.id, childId: child.id, doneId: done.id, snapshot };
}

/** Awaits `action`, which must fail with a ValidationError; returns it. */
export async function validationErrorOf(action: () => Promise<unknown>): Promise<ValidationError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a ValidationError").toBeInstanceOf(ValidationError);
  const error = caught as ValidationError;
  expect(error.field.length).toBeGreaterThan(0);
  expect(error.message.startsWith(`${error.field}: `)).toBe(true);
  return error;
}

/** Nested containers `depth` levels deep (the metadata object being level 1), built without recursion. */
export function nested(depth: number, arrays: boolean): Record<string, unknown> {
  let value: unknown = "leaf";
  for (let level = 2; level <= depth; level++) value = arrays ? [value] : { n: value };
  return { deep: value };
}

/** Values that are not JSON, each with the start of the message that names it. */
export const notJson = fc.constantFrom(
  [Number.NaN, "must be a finite number"],
  [Number.POSITIVE_INFINITY, "must be a finite number"],
  [Number.NEGATIVE_INFINITY, "must be a finite number"],
  [undefined, "must be a JSON value"],
  [() => 1, "must be a JSON value (got a function)"],
  [Symbol("s"), "must be a JSON value (got a symbol)"],
  [10n, "must be a JSON value (got a bigint"],
  [new Date(0), "must be a plain JSON object or array (got Date)"],
  [new Map([[1, 2]]), "must be a plain JSON object or array (got Map)"],
  [new Set([1]), "must be a plain JSON object or array (got Set)"],
  [/re/, "must be a plain JSON object or array (got RegExp)"],
  [new Uint8Array(2), "must be a plain JSON object or array (got Uint8Array)"],
) as fc.Arbitrary<[unknown, string]>;

/** A short key that is plain ASCII (so the joined path is predictable). */
export const key = fc.string({ minLength: 1, maxLength: 6 }).filter((text) => text !== "weight");

/** A string with one lone surrogate, and the index where it sits. */
export const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 20 }))
  .map(([before, unit, after]) => ({ text: before + String.fromCharCode(unit) + after, index: before.length }));

/** SQL-looking text: harmless as data, never as code. */
export const sqlLooking = fc.constantFrom(
  "'; DROP TABLE progress_runs; --",
  '" OR 1=1 --',
  "x' UNION SELECT * FROM api_tokens --",
  "1; DELETE FROM progress_runs WHERE 1=1",
  "%' OR owner LIKE '%",
  "') ; PRAGMA writable_schema=1; --",
  "\\'; SELECT sqlite_version(); --",
);

/** Ids that try to walk a path, break a URL or smuggle bytes. */
export const pathTrickId = fc.oneof(
  fc.constantFrom(
    "..",
    ".",
    "../etc/passwd",
    "..\\windows",
    "a/b",
    "a\\b",
    "/abs",
    "%2e%2e%2f",
    "a?x=1",
    "a#frag",
    "a b",
    " lead",
    "tail\n",
    "nul\u0000byte",
    "~user",
    "id;rm -rf",
    "' OR '1'='1",
    "ü",
    "x".repeat(65),
    "",
  ),
  fc
    .tuple(
      fc.string({ maxLength: 10 }),
      fc.constantFrom("/", "\\", "..", "%", "?", "#", " ", "\n", "\t", "'", '"', "*"),
      fc.string({ maxLength: 10 }),
    )
    .map(([a, trick, b]) => a + trick + b)
    .filter((id) => !/^[A-Za-z0-9_:-][A-Za-z0-9_.:-]*$/.test(id) || id.length > 64),
);
