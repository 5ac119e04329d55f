import { afterEach, describe, expect, it } from "vitest";
import { type Backend, type Commit, FEED_PAGE_BYTES, FEED_ROW_BYTES, type RunOp } from "../../src/store/index.js";
import { BACKENDS } from "./backends.js";

/**
 * A page of the change feed is bounded by the bytes of the runs it loads, on
 * every backend: a reader holds a page until its last commit is published, so
 * a page of large runs must not be 64 commits of them.
 */
for (const backend of BACKENDS) {
  describe(`Change-feed pages: ${backend.name}`, () => {
    const opened: Backend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const open = async () => {
      const store = backend.open();
      opened.push(store);
      await store.ready;
      return store;
    };
    const starts = (prefix: string, count: number, metadata?: Record<string, unknown>): RunOp[] =>
      Array.from({ length: count }, (_, i) => ({
        kind: "start",
        id: `${prefix}-${i}`,
        input: { owner: "ann", title: `${prefix}-${i}`, ...(metadata ? { metadata } : {}) },
      }));

    async function readAll(store: Backend): Promise<Commit[][]> {
      const pages: Commit[][] = [];
      let after = 0;
      for (let more = true; more; ) {
        const page = await store.runs.readFeed(after, 64);
        expect(page.commits.length).toBeGreaterThan(0);
        pages.push(page.commits);
        after = page.commits.at(-1)?.seq as number;
        more = page.more;
      }
      return pages;
    }

    it("ends a page at the first commit past FEED_PAGE_BYTES of runs, and reads on from there", async () => {
      const store = await open();
      // Eight commits of four 60 KB runs: 240 KB each, so a page holds three (720 KB), not all eight.
      const metadata = { notes: "y".repeat(60_000) };
      const seqs: number[] = [];
      for (let commit = 0; commit < 8; commit++) {
        seqs.push((await store.runs.applyBatch(starts(`c${commit}`, 4, metadata), commit + 1)).commit?.seq as number);
      }
      expect(3 * 4 * 60_000).toBeGreaterThanOrEqual(FEED_PAGE_BYTES);
      expect(2 * 4 * 60_000).toBeLessThan(FEED_PAGE_BYTES);

      const first = await store.runs.readFeed(0, 64);
      expect(first.commits.map((commit) => commit.seq)).toEqual(seqs.slice(0, 3));
      expect(first.more).toBe(true);
      const pages = await readAll(store);
      expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
      const read = pages.flat();
      expect(read.map((commit) => commit.seq)).toEqual(seqs);
      const started = read.flatMap((commit) =>
        commit.changes.map((change) => (change.type === "started" ? change.run.id : "")),
      );
      expect(started).toEqual(Array.from({ length: 32 }, (_, i) => `c${Math.floor(i / 4)}-${i % 4}`));
      expect(read.every((commit) => commit.changes.every((c) => c.type === "started" && c.run.metadata.notes))).toBe(
        true,
      );
    });

    it("counts each run's own cost too, so commits of many runs with no metadata still make small pages", async () => {
      const store = await open();
      // Three commits of 1,200 runs without metadata: about 600 KB of runs each to a reader, one to a page.
      for (let commit = 0; commit < 3; commit++) await store.runs.applyBatch(starts(`t${commit}`, 1200), commit + 1);
      expect(1200 * FEED_ROW_BYTES).toBeGreaterThanOrEqual(FEED_PAGE_BYTES);
      const first = await store.runs.readFeed(0, 64);
      expect(first.commits).toHaveLength(1);
      expect(first.more).toBe(true);
      const pages = await readAll(store);
      expect(pages.map((page) => page.length)).toEqual([1, 1, 1]);
    });

    it("counts each deletion as an event too, so a page of sweeps stays small", async () => {
      const store = await open();
      for (let commit = 0; commit < 3; commit++) await store.runs.applyBatch(starts(`d${commit}`, 1200), commit + 1);
      const started = await store.runs.currentCommitSeq();
      // Three commits deleting 1,200 runs each: no run to load, but 1,200 events each to a reader.
      for (let commit = 0; commit < 3; commit++) {
        const deletes: RunOp[] = Array.from({ length: 1200 }, (_, i) => ({
          kind: "delete",
          id: `d${commit}-${i}`,
          owner: "ann",
        }));
        await store.runs.applyBatch(deletes, commit + 10);
      }
      const page = await store.runs.readFeed(started, 64);
      expect(page.commits).toHaveLength(1);
      expect(page.commits[0]?.changes.filter((change) => change.type === "deleted")).toHaveLength(1200);
      expect(page.more).toBe(true);
    });

    it("counts a run that many commits name once, at the first", async () => {
      const store = await open();
      // Twenty 15 KB runs (300 KB), then 30 commits updating them: counted again, a page would end at the second.
      const metadata = { notes: "z".repeat(15_000) };
      await store.runs.applyBatch(starts("same", 20, metadata), 1);
      for (let commit = 0; commit < 30; commit++) {
        const updates: RunOp[] = Array.from({ length: 20 }, (_, i) => ({
          kind: "update",
          id: `same-${i}`,
          owner: "ann",
          patch: { percent: commit + 1 },
        }));
        await store.runs.applyBatch(updates, commit + 2);
      }
      expect(2 * 20 * 15_000).toBeGreaterThanOrEqual(FEED_PAGE_BYTES);
      const page = await store.runs.readFeed(0, 64);
      expect(page.commits).toHaveLength(31);
      expect(page.more).toBe(false);
      // Each run as it is now: the last update's percent, in every commit that names it.
      const runs = page.commits.flatMap((commit) => commit.changes.flatMap((c) => ("run" in c ? [c.run] : [])));
      expect(new Set(runs.map((run) => run.percent))).toEqual(new Set([30]));
    });

    it("still honours the commit limit it is given", async () => {
      const store = await open();
      for (let commit = 0; commit < 5; commit++) await store.runs.applyBatch(starts(`l${commit}`, 1), commit + 1);
      const page = await store.runs.readFeed(0, 2);
      expect(page.commits).toHaveLength(2);
      expect(page.more).toBe(true);
      const rest = await store.runs.readFeed(page.commits.at(-1)?.seq as number, 64);
      expect(rest.commits).toHaveLength(3);
      expect(rest.more).toBe(false);
    });
  });
}
