import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { executeManageProgress, manageProgressInput } from "../../src/tools/index.js";
import { withoutReadTime } from "../helpers/read-time.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
beforeEach(() => {
  progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
});
afterEach(async () => {
  await progress.close();
});

const tool = (args: unknown) => executeManageProgress(progress, "ann", args);

describe("manage-progress arguments", () => {
  it("list honours limit", async () => {
    for (let index = 0; index < 4; index++) await tool({ action: "start", title: `job ${index}` });
    const two = await tool({ action: "list", limit: 2 });
    expect(two.structured.runs).toHaveLength(2);
    expect(two.structured.runs?.map((run) => run.title)).toEqual(["job 3", "job 2"]);
    expect((await tool({ action: "list" })).structured.runs).toHaveLength(4);
    for (const limit of [0, 501, 2.5, "2"]) {
      const reply = await tool({ action: "list", limit });
      expect(reply.isError).toBe(true);
      expect(reply.text).toMatch(/^limit: must be/);
    }
  });

  it("start, update and complete take metadataJson as agent-native's tool sends it", async () => {
    const started = await tool({ action: "start", title: "With JSON", metadataJson: '{"batch": 3, "tags": ["a"]}' });
    expect(started.isError).toBe(false);
    const runId = started.structured.runId as string;
    expect(started.structured.run?.metadata).toEqual({ batch: 3, tags: ["a"] });
    const updated = await tool({ action: "update", runId, metadataJson: '{"batch": 4}' });
    expect(updated.structured.run?.metadata).toEqual({ batch: 4, tags: ["a"] });
    const done = await tool({ action: "complete", runId, status: "succeeded", metadataJson: '{"rows": 10}' });
    expect(done.structured.run?.metadata).toEqual({ batch: 4, tags: ["a"], rows: 10 });
  });

  it.each([
    ["{not json", /^metadataJson: must be valid JSON \(/],
    ["[1, 2]", /^metadataJson: must be a JSON object/],
    ["3", /^metadataJson: must be a JSON object/],
    ["null", /^metadataJson: must be a JSON object/],
    ['"text"', /^metadataJson: must be a JSON object/],
    ['{"weight": 1e308}', /^metadata\.weight: must be a finite number between 0 \(exclusive\) and 1000000$/],
  ])("names bad metadataJson %j and stores nothing", async (metadataJson, message) => {
    const reply = await tool({ action: "start", title: "t", metadataJson });
    expect(reply.isError).toBe(true);
    expect(reply.structured.error?.code).toMatch(/invalid_argument|validation_error/);
    expect(reply.text).toMatch(message);
    expect(await progress.listRuns("ann")).toEqual([]);
  });

  it("refuses metadata and metadataJson together", async () => {
    const reply = await tool({ action: "start", title: "t", metadata: { a: 1 }, metadataJson: '{"a": 2}' });
    expect(reply.text).toBe("metadataJson: give metadata or metadataJson, not both");
    expect(await progress.listRuns("ann")).toEqual([]);
  });

  it("names an unknown argument and changes nothing", async () => {
    const runId = (await tool({ action: "start", title: "t" })).structured.runId as string;
    const before = await progress.getRun(runId, "ann");
    for (const args of [
      { action: "update", runId, pct: 50 },
      { action: "update", runId, percent: 50, owner: "bob" },
      { action: "start", title: "x", id: "mine" },
      { action: "list", activeOnly: true },
    ]) {
      const reply = await tool(args);
      expect(reply.isError).toBe(true);
      expect(reply.structured.error?.code).toBe("invalid_argument");
      expect(reply.text).toMatch(
        /^unknown argument "(pct|owner|id|activeOnly)" \(the arguments of manage-progress are action, /,
      );
      expect(reply.structured.action).toBe(args.action);
    }
    expect(withoutReadTime(await progress.getRun(runId, "ann"))).toEqual(withoutReadTime(before));
    expect(await progress.listRuns("ann")).toHaveLength(1);
  });

  it("names an argument the action does not use instead of ignoring it", async () => {
    const runId = (await tool({ action: "start", title: "t" })).structured.runId as string;
    const before = await progress.getRun(runId, "ann");
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { action: "update", runId, status: "succeeded" },
        'status: is not used by action "update" (to finish a run, use action "complete")',
      ],
      [{ action: "update", runId, percent: 5, parentRunId: runId }, 'parentRunId: is not used by action "update"'],
      [{ action: "complete", runId, status: "failed", percent: 5 }, 'percent: is not used by action "complete"'],
      [{ action: "complete", runId, status: "failed", title: "x" }, 'title: is not used by action "complete"'],
      [{ action: "list", runId }, 'runId: is not used by action "list"'],
      [{ action: "start", title: "x", active: true }, 'active: is not used by action "start"'],
    ];
    for (const [args, message] of cases) {
      const reply = await tool(args);
      expect(reply.isError).toBe(true);
      expect(reply.text.startsWith(message), reply.text).toBe(true);
    }
    expect(withoutReadTime(await progress.getRun(runId, "ann"))).toEqual(withoutReadTime(before));
    expect(await progress.listRuns("ann")).toHaveLength(1);
  });

  it("takes runId on start as the caller's own id, validated and named as runId", async () => {
    for (const runId of ["../x", "a/b", ".hidden", "x".repeat(65)]) {
      const reply = await tool({ action: "start", title: "t", runId });
      expect(reply.isError).toBe(true);
      expect(reply.text).toMatch(/^runId: must/);
    }
    const badParent = await tool({ action: "start", title: "t", parentRunId: "a/b" });
    expect(badParent.text).toMatch(/^parentRunId: must use only letters/);
    expect(await progress.listRuns("ann")).toEqual([]);
  });

  it("publishes a closed JSON schema (additionalProperties: false) with limit and metadataJson", () => {
    const schema = manageProgressInput.toJSONSchema() as { additionalProperties?: unknown; properties: object };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["limit", "metadataJson"]));
  });
});
