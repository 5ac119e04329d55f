/**
 * The commit sequence's lock, step by step: a batch that starts while another
 * transaction holds the feed counter waits for it, then takes the next number,
 * and its reads see what that transaction committed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Backend, openBackend, type RunOp } from "../../src/store/index.js";
import { adminClient, freshSchema, POSTGRES_AVAILABLE, POSTGRES_TEST_URL } from "../helpers/postgres.js";

const opened: Backend[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((backend) => backend.close()));
});

describe.skipIf(!POSTGRES_AVAILABLE)("the PostgreSQL feed counter", () => {
  it("makes a batch wait for the transaction holding it, then hands it the next sequence", async () => {
    const schema = freshSchema();
    const backend = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 1 });
    opened.push(backend);
    await backend.runs.applyBatch([{ kind: "start", id: "r1", input: { owner: "ann", title: "one" } }], 1);

    // Another writer's transaction, held open: it has bumped the counter and completed r1.
    const other = adminClient();
    await other.unsafe("BEGIN");
    const [bumped] = await other.unsafe(`UPDATE "${schema}".headway_feed_counter SET seq = seq + 1 RETURNING seq`);
    await other.unsafe(`UPDATE "${schema}".progress_runs SET status = 'succeeded', completed_at = 2 WHERE id = 'r1'`);
    await other.unsafe(
      `INSERT INTO "${schema}".change_log (seq, writer, at, started, updated, deleted) VALUES ($1, 'other', 2, '[]', '["r1"]', '[]')`,
      [bumped?.seq],
    );

    const update: RunOp = { kind: "update", id: "r1", owner: "ann", patch: { percent: 50 } };
    let settled = false;
    const batch = backend.runs.applyBatch([update], 3).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(await backend.runs.currentCommitSeq()).toBe(1); // the held commit is not visible yet

    await other.unsafe("COMMIT");
    await other.end({ timeout: 1 });
    const result = await batch;
    // Planned on the committed row: r1 is terminal now, so the update changes nothing and takes no number.
    expect(result.outcomes[0]).toMatchObject({ ok: false, reason: "terminal" });
    expect(result.commit).toBeNull();
    const next = await backend.runs.applyBatch([{ kind: "start", id: "r2", input: { owner: "ann", title: "two" } }], 4);
    expect(next.commit?.seq).toBe(Number(bumped?.seq) + 1);
    expect((await backend.runs.readFeed(0, 10)).commits.map((commit) => commit.seq)).toEqual([1, 2, 3]);
  });
});
