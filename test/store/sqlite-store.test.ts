import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SchemaVersionError } from "../../src/core/index.js";
import {
  FEED_PAGE_BYTES,
  FEED_ROW_BYTES,
  migrateSqlite,
  openBackend,
  SQLITE_MIGRATIONS,
} from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const openStore = (path: string) => openBackend(path);

describe("SQLite store", () => {
  it("runs in WAL mode with synchronous=FULL by default", async () => {
    const path = tempDatabasePath();
    const store = openStore(path);
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
    const { db: own } = store.runs as unknown as { db: { pragma: (s: string, o: object) => unknown } };
    expect(own.pragma("synchronous", { simple: true })).toBe(2); // FULL
    await store.close();
  });

  it("refuses a database whose schema is newer than the code", async () => {
    const path = tempDatabasePath();
    await openStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openStore(path)).toThrow(SchemaVersionError);
    const known = SQLITE_MIGRATIONS.length;
    expect(() => openStore(path)).toThrow(
      `the database schema is version ${known + 1} but this Headway knows versions up to ${known}`,
    );
  });

  it("migrates an older database forward at start-up, keeping its rows", async () => {
    const path = tempDatabasePath();
    const old = new Database(path);
    migrateSqlite(old, SQLITE_MIGRATIONS.slice(0, 1));
    old
      .prepare(
        `INSERT INTO progress_runs (id, owner, title, status, metadata, cancel_requested, created_at, updated_at,
          heartbeat_at, version, percent_set_by_run, samples, history_at)
         VALUES ('r1', 'ann', 'from v1', 'running', '{}', 0, 1, 1, 1, 1, 0, X'', 1)`,
      )
      .run();
    old.close();
    const store = openStore(path);
    expect(await store.runs.getRun("r1", "ann")).toMatchObject({ title: "from v1", status: "running" });
    expect(await store.runs.countActive()).toBe(1);
    // The diagnostics columns came with the newest migration: unknown (null) for the old row, then set by writes.
    expect((await store.runs.getRun("r1", "ann"))?.diagnostics).toMatchObject({
      submitToStatusMs: null,
      submitToFirstEventMs: null,
    });
    await store.runs.applyBatch([{ kind: "update", id: "r1", owner: "ann", patch: { percent: 10 } }], 1001);
    expect((await store.runs.getRun("r1", "ann"))?.diagnostics).toMatchObject({
      submitToStatusMs: 1000,
      submitToFirstEventMs: 1000,
    });
    await store.close();
    const db = new Database(path);
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
  });

  it("rejects database URLs it cannot open, naming the URL", () => {
    expect(() => openStore("mysql://localhost/db")).toThrow(/unsupported database URL "mysql:\/\/localhost\/db"/);
  });
});

/** What `read` resolves to, and how many turns of the event loop went by while it ran. */
async function withTurnsCounted<T>(read: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const count = () => {
    if (!counting) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  try {
    return { result: await read(), turns };
  } finally {
    counting = false;
  }
}

describe("SQLite change feed reads", () => {
  it("load a commit's runs in slices, giving the event loop its turn between them", async () => {
    const store = openStore(tempDatabasePath());
    const big = { notes: "x".repeat(15_000) };
    const ids = Array.from({ length: 100 }, (_, i) => `big-${i}`);
    await store.runs.applyBatch(
      ids.map((id) => ({ kind: "start", id, input: { owner: "ann", title: id, metadata: big } })),
      1,
    );

    const { result: page, turns: turnsDuringRead } = await withTurnsCounted(() => store.runs.readFeed(0, 64));

    // 100 runs of 15 KB: three slices of at most 512 KB, two turns of the loop between them.
    expect(turnsDuringRead).toBeGreaterThanOrEqual(2);
    const started = page.commits.flatMap((commit) =>
      commit.changes.flatMap((change) => (change.type === "started" ? [change.run] : [])),
    );
    expect(started.map((run) => run.id).sort()).toEqual([...ids].sort());
    expect(started.every((run) => run.metadata.notes === big.notes)).toBe(true);
    expect(page.readAt).toBe(await store.runs.currentCommitSeq());
    await store.close();
  });

  it("end a page that fills up at a commit's last run without another turn of the loop", async () => {
    const store = openStore(tempDatabasePath());
    // Four runs whose stored size (metadata text plus FEED_ROW_BYTES) adds up to exactly FEED_PAGE_BYTES, then one more commit.
    const metadata = { notes: "y".repeat(FEED_PAGE_BYTES / 4 - FEED_ROW_BYTES - '{"notes":""}'.length) };
    const ops = Array.from({ length: 4 }, (_, i) => ({
      kind: "start" as const,
      id: `full-${i}`,
      input: { owner: "ann", title: `full-${i}`, metadata },
    }));
    const first = (await store.runs.applyBatch(ops, 1)).commit?.seq;
    await store.runs.applyBatch([{ kind: "start", id: "next", input: { owner: "ann", title: "next" } }], 2);

    const { result: page, turns: turnsDuringRead } = await withTurnsCounted(() => store.runs.readFeed(0, 64));
    expect(page.commits.map((commit) => commit.seq)).toEqual([first]);
    expect(page.more).toBe(true);
    expect(turnsDuringRead).toBe(0);
    await store.close();
  });
});
