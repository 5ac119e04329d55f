/**
 * The change feed's commit order on PostgreSQL, hammered the Jepsen way: real
 * writer processes on one schema, every acknowledgement logged, a reader
 * polling `readFeed` the whole time, and a checker at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { type Backend, openBackend } from "../../src/store/index.js";
import { adminClient, freshSchema, POSTGRES_AVAILABLE, POSTGRES_TEST_URL, postgresUrl } from "../helpers/postgres.js";

const children: ChildProcess[] = [];
const backends: Backend[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await Promise.allSettled(backends.splice(0).map((backend) => backend.close()));
});

describe.skipIf(!POSTGRES_AVAILABLE)("the PostgreSQL change feed under concurrent writer processes", () => {
  it("hands out commit sequences in commit order: a reader never sees a sequence after a higher one", async () => {
    const schema = freshSchema();
    const reader = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 2 });
    backends.push(reader);
    await reader.ready;

    // Four processes, 16 runs each, every run updated in a loop: many small concurrent transactions.
    const acked = new Map<string, number>();
    let acks = 0;
    const writers = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/helpers/writer-process.ts", postgresUrl(schema), "hammer", "16"],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        const [word, id, version] = line.split(" ");
        if (word !== "ack" || !id) return;
        acks++;
        acked.set(id, Math.max(acked.get(id) ?? 0, Number(version)));
      });
      return child;
    });

    // The reader: every page must continue exactly where the last one ended. Sequences have no gaps
    // (a batch that changes nothing rolls its bump back), so a skipped number would be a commit the
    // reader passed over before it became visible: the defect of a plain sequence.
    let cursor = 0;
    let pages = 0;
    const violations: string[] = [];
    // A second reader, on the raw table, remembers every sequence it saw: one that shows up below the
    // highest already seen is a late commit a cursor would have skipped for ever.
    const raw = adminClient();
    const seen = new Set<number>();
    let highest = 0;
    const rawPoll = async () => {
      const rows = await raw.unsafe(`SELECT seq::int AS seq FROM "${schema}".change_log WHERE seq > $1 ORDER BY seq`, [
        Math.max(0, highest - 1000),
      ]);
      let top = highest;
      for (const { seq } of rows as Array<{ seq: number }>) {
        if (seen.has(seq)) continue;
        seen.add(seq);
        if (seq < highest) violations.push(`${seq} became visible after ${highest} was read`);
        top = Math.max(top, seq);
      }
      highest = top;
    };
    const deadline = Date.now() + 6000;
    while (Date.now() < deadline || acks < 2000) {
      if (Date.now() > deadline + 30_000) throw new Error(`only ${acks} acknowledgements in 36 s`);
      const [page] = await Promise.all([reader.runs.readFeed(cursor, 500), rawPoll()]);
      pages++;
      for (const commit of page.commits) {
        if (commit.seq !== cursor + 1) violations.push(`read ${commit.seq} right after ${cursor}`);
        cursor = commit.seq;
      }
      if (page.readAt < cursor) violations.push(`readAt ${page.readAt} behind a commit read, ${cursor}`);
    }
    await raw.end({ timeout: 1 });
    for (const child of writers) child.kill("SIGKILL");
    await Promise.all(writers.map((child) => new Promise((resolve) => child.once("exit", resolve))));

    // Whatever committed after the last page is still in order behind it.
    for (let more = true; more; ) {
      const page = await reader.runs.readFeed(cursor, 1000);
      for (const commit of page.commits) {
        if (commit.seq !== cursor + 1) violations.push(`read ${commit.seq} right after ${cursor}`);
        cursor = commit.seq;
      }
      more = page.more;
    }
    expect(violations).toEqual([]);
    expect(cursor).toBe(await reader.runs.currentCommitSeq());
    expect(cursor).toBeGreaterThan(100);
    expect(pages).toBeGreaterThan(10);

    // Nothing acknowledged is lost: every run holds at least the version its writer was told of.
    const admin = adminClient();
    const rows = await admin.unsafe(`SELECT id, version FROM "${schema}".progress_runs`);
    const seqs = await admin.unsafe(`SELECT count(*)::int AS n, max(seq)::int AS top FROM "${schema}".change_log`);
    await admin.end({ timeout: 1 });
    const stored = new Map(rows.map((row) => [row.id as string, row.version as number]));
    const lost = [...acked].filter(([id, version]) => (stored.get(id) ?? 0) < version);
    expect(lost).toEqual([]);
    expect(acked.size).toBe(64);
    expect(seqs[0]).toEqual({ n: cursor, top: cursor });
  }, 90_000);
});
