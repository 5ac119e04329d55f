import { describe, expect, it } from "vitest";
import type { AgentRun } from "../../src/core/index.js";
import { commitsOf, type DecodedEntry, FEED_PAGE_RUNS, pageOf } from "../../src/store/change-feed.js";

function entry(seq: number, updated: string[], extra: Partial<DecodedEntry> = {}): DecodedEntry {
  return { seq, writer: "w", at: seq, started: [], updated, deleted: [], statuses: [], notifications: [], ...extra };
}
const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("a page of the change feed", () => {
  it("stops once it names FEED_PAGE_RUNS runs, but always holds one whole commit", () => {
    const entries = [entry(1, ids(300, "a")), entry(2, ids(300, "b")), entry(3, ids(10, "c"))];
    expect(pageOf(entries, 64)).toMatchObject({ page: [{ seq: 1 }, { seq: 2 }], more: true });
    const huge = [entry(1, ids(FEED_PAGE_RUNS * 3, "h")), entry(2, ["x"])];
    expect(pageOf(huge, 64)).toMatchObject({ page: [{ seq: 1 }], more: true });
    expect(pageOf([entry(1, ["a"]), entry(2, ["b"])], 1)).toMatchObject({ page: [{ seq: 1 }], more: true });
    expect(pageOf([entry(1, ["a"])], 64)).toMatchObject({ page: [{ seq: 1 }], more: false });
  });

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
