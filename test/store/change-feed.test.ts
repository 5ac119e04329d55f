import { describe, expect, it } from "vitest";
import type { AgentRun } from "../../src/core/index.js";
import { commitsOf, type DecodedEntry } from "../../src/store/change-feed.js";

function entry(seq: number, updated: string[], extra: Partial<DecodedEntry> = {}): DecodedEntry {
  return { seq, writer: "w", at: seq, started: [], updated, deleted: [], statuses: [], notifications: [], ...extra };
}

describe("a page of the change feed", () => {
  it("carries a run updated in several commits once, at its last, and keeps starts, status updates and deletions", () => {
    const run = (id: string) => ({ id, owner: "ann", version: 9 }) as AgentRun;
    const commits = commitsOf(
      [
        entry(1, ["a", "b"], { started: ["a"] }),
        entry(2, ["a"], { statuses: [["a", "Reading", "offline", null]] }),
        entry(3, [], { deleted: [["b", "ann"]] }),
      ],
      (id) => (id === "b" ? undefined : run(id)),
    );
    expect(
      commits.map((commit) =>
        commit.changes.map(
          (change) =>
            `${change.type}:${"run" in change ? change.run.id : "runId" in change ? change.runId : change.notification.id}`,
        ),
      ),
    ).toEqual([["started:a"], ["updated:a", "status:a"], ["deleted:b"]]);
  });
});
