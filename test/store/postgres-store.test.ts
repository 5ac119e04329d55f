import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { SchemaVersionError } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import {
  type Backend,
  openBackend,
  POSTGRES_MIGRATIONS,
  type PostgresRunStore,
  type RunOp,
} from "../../src/store/index.js";
import {
  adminClient,
  freshSchema,
  killListeners,
  POSTGRES_AVAILABLE,
  POSTGRES_TEST_URL,
  postgresUrl,
} from "../helpers/postgres.js";

const opened: Array<Backend | Progress> = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((item) => item.close()));
});

function open(schema = freshSchema(), options: Parameters<typeof openBackend>[1] = {}): Backend {
  const backend = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 2, ...options });
  opened.push(backend);
  return backend;
}

async function admin<T>(fn: (sql: ReturnType<typeof adminClient>) => Promise<T>): Promise<T> {
  const sql = adminClient();
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const start = (id: string, owner = "ann", title = id): RunOp => ({ kind: "start", id, input: { owner, title } });

describe.skipIf(!POSTGRES_AVAILABLE)("PostgreSQL store", () => {
  it("migrates a fresh schema once, even when several processes open it at once", async () => {
    const schema = freshSchema();
    const backends = Array.from({ length: 6 }, () => open(schema));
    await Promise.all(backends.map((backend) => backend.ready));
    const rows = await admin((sql) =>
      sql.unsafe(`SELECT version FROM "${schema}".headway_schema_version`).then((r) => r.map((row) => row.version)),
    );
    expect(rows).toEqual([POSTGRES_MIGRATIONS.length]);
    const tables = await admin((sql) =>
      sql.unsafe("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema]),
    );
    expect(tables.map((row) => row.table_name)).toEqual([
      "api_sessions",
      "api_tokens",
      "automation_episodes",
      "change_log",
      "feed_cursors",
      "headway_feed_counter",
      "headway_schema_version",
      "notifications",
      "progress_runs",
      "run_history",
      "webhook_cursors",
      "webhook_deliveries",
      "webhook_endpoints",
    ]);
  });

  it("refuses a schema newer than the code, with a clear start-up error", async () => {
    const schema = freshSchema();
    await open(schema).ready;
    await admin((sql) => sql.unsafe(`UPDATE "${schema}".headway_schema_version SET version = version + 1`));
    const newer = open(schema);
    const known = POSTGRES_MIGRATIONS.length;
    await expect(newer.ready).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(newer.ready).rejects.toThrow(
      `the database schema is version ${known + 1} but this Headway knows versions up to ${known}`,
    );
    await expect(newer.runs.getRun("x", "ann")).rejects.toBeInstanceOf(SchemaVersionError);
  });

  it("takes its schema from ?search_path= in the URL, creating it", async () => {
    const schema = freshSchema();
    const backend = openBackend(postgresUrl(schema));
    opened.push(backend);
    await backend.runs.applyBatch([start("r1")], 1);
    const [row] = await admin((sql) => sql.unsafe(`SELECT title FROM "${schema}".progress_runs`));
    expect(row?.title).toBe("r1");
  });

  it("numbers commits without gaps, skips empty batches, and reads the feed in one snapshot", async () => {
    const schema = freshSchema();
    const a = open(schema);
    const b = open(schema);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await a.runs.applyBatch([start(`r${i}`)], 1000 + i)).commit?.seq ?? -1);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    // Nothing to write: rolled back, so the counter is not used up.
    const none = await a.runs.applyBatch([{ kind: "heartbeat", id: "nope", owner: "ann" }], 2000);
    expect(none).toEqual({
      outcomes: [{ ok: false, reason: "not_found" }],
      commit: null,
      firstDiagnostics: [],
      rowBytes: 0,
    });
    expect((await a.runs.applyBatch([start("r5")], 2001)).commit?.seq).toBe(6);
    const page = await a.runs.readFeed(2, 2);
    expect(page.commits.map((commit) => commit.seq)).toEqual([3, 4]);
    expect(page).toMatchObject({ readAt: 6, more: true });
    expect([...page.ownSeqs]).toEqual([3, 4]);
    expect(await a.runs.currentCommitSeq()).toBe(6);
    // Another store's entries are not its own.
    expect([...(await b.runs.readFeed(2, 2)).ownSeqs]).toEqual([]);
    expect(await b.runs.currentCommitSeq()).toBe(6);
  });

  it("refuses only the op whose text PostgreSQL cannot hold (U+0000), not the rest of its batch", async () => {
    const backend = open();
    const result = await backend.runs.applyBatch([start("ok1"), start("bad", "ann", "a\u0000b"), start("ok2")], 1);
    expect(result.outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
    expect(result.outcomes[1]).toMatchObject({ reason: "invalid", error: { field: "title" } });
    expect(await backend.runs.getRun("ok2", "ann")).toMatchObject({ title: "ok2" });
  });

  it("sweeps each expired run once when several processes sweep at once", async () => {
    const schema = freshSchema();
    const writer = open(schema);
    const ops: RunOp[] = [];
    for (let i = 0; i < 1500; i++) {
      ops.push(start(`r${String(i).padStart(4, "0")}`));
      ops.push({
        kind: "complete",
        id: `r${String(i).padStart(4, "0")}`,
        owner: "ann",
        status: "succeeded",
        options: {},
      });
    }
    await writer.runs.applyBatch(ops, 1000);
    const sweepers = [writer, open(schema), open(schema)];
    const counts = await Promise.all(sweepers.map((backend) => backend.runs.sweepCompleted(5000)));
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(1500);
    const [left] = await admin((sql) => sql.unsafe(`SELECT count(*)::int AS n FROM "${schema}".run_history`));
    expect(left?.n).toBe(0);
  });

  it("wakes a watcher on another process's commit, and again after its LISTEN connection is killed", async () => {
    const schema = freshSchema();
    // A long poll, so a wake within it can only come from NOTIFY.
    const watcher = open(schema, { pollIntervalMs: 60_000 });
    const writer = open(schema);
    await Promise.all([watcher.ready, writer.ready]);
    let wakes = 0;
    const stop = watcher.runs.watchCommits(() => wakes++, 10);
    const watches = () => (watcher.runs as PostgresRunStore).commitWatches;
    await eventually(() => watches()[0]?.isListening === true, 10_000, "LISTEN");
    const before = wakes;
    await writer.runs.applyBatch([start("n1")], 1);
    await eventually(() => wakes > before, 10_000, "a wake from NOTIFY");

    expect(await killListeners(schema)).toBe(1);
    await eventually(() => watches()[0]?.isListening === false, 10_000, "the LISTEN connection to drop");
    await eventually(() => watches()[0]?.isListening === true, 10_000, "LISTEN again");
    const after = wakes;
    await writer.runs.applyBatch([start("n2")], 2);
    await eventually(() => wakes > after, 10_000, "a wake from NOTIFY after reconnecting");
    stop();
  });

  it("wakes a watcher by polling when NOTIFY never comes", async () => {
    const schema = freshSchema();
    const watcher = open(schema, { pollIntervalMs: 50 });
    const writer = open(schema);
    await Promise.all([watcher.ready, writer.ready]);
    let wakes = 0;
    const stop = watcher.runs.watchCommits(() => wakes++, 10);
    // A watch wakes twice as it starts: once LISTEN is in place and at its first read of the counter.
    // After both, a wake can only come from a later read that saw the counter move.
    await eventually(() => wakes >= 2, 10_000, "the two wakes of a starting watch");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = wakes;
    // A commit whose NOTIFY went to no one: the counter moves without a notification on our channel.
    await admin((sql) => sql.unsafe(`UPDATE "${schema}".headway_feed_counter SET seq = seq + 1`));
    await eventually(() => wakes > before, 10_000, "a wake from the poll");
    stop();
  });

  it("closes every connection, the LISTEN one too, and is safe to close twice", async () => {
    const schema = freshSchema();
    const progress = createProgress({
      databaseUrl: postgresUrl(schema),
      followExternalWrites: true,
      sweepIntervalMs: 0,
    });
    opened.push(progress);
    await progress.startRun({ owner: "ann", title: "x" });
    const connections = () =>
      admin((sql) =>
        sql.unsafe("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [
          `headway listen ${schema}`,
        ]),
      ).then((rows) => rows[0]?.n as number);
    await eventually(async () => (await connections()) === 1, 5000, "the LISTEN connection");
    await Promise.all([progress.close(), progress.close()]);
    await progress.backend.close();
    await eventually(async () => (await connections()) === 0, 5000, "the LISTEN connection to close");
  });

  it("loads the postgres driver only once a PostgreSQL database is opened", async () => {
    const script = `
      import { createRequire } from "node:module";
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => /node_modules\\/postgres\\//.test(path));
      const { createProgress } = await import("./src/progress/index.ts");
      await import("./src/server/index.ts");
      const sqlite = createProgress({ databaseUrl: ":memory:", sweepIntervalMs: 0 });
      await sqlite.startRun({ owner: "ann", title: "x" });
      const before = loaded();
      await sqlite.close();
      const pg = createProgress({ databaseUrl: process.argv[1], sweepIntervalMs: 0 });
      const after = loaded();
      await pg.close();
      console.log(JSON.stringify({ before, after }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
      postgresUrl(freshSchema()),
    ]);
    expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({ before: false, after: true });
  });
});
