/**
 * Roll-up of children into parents, kept incrementally on the parent's row,
 * on every backend: random trees checked against `rollupPercent` over the
 * children read back, the totals checked against the children exactly, a
 * child's write costing the same rows whatever its number of siblings
 * (counted, not timed), and totals filled in for rows stored before them.
 */
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AgentRun,
  adjustTotals,
  childShare,
  NO_CHILDREN,
  type RollupTotals,
  rollupPercent,
  type TerminalStatus,
} from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import {
  type Backend,
  migratePostgres,
  migrateSqlite,
  openBackend,
  POSTGRES_MIGRATIONS,
  SQLITE_MIGRATIONS,
} from "../../src/store/index.js";
import { Transactor } from "../../src/store/postgres/postgres-transactor.js";
import { adminClient, freshSchema, POSTGRES_TEST_URL } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { BACKENDS } from "./backends.js";

const OWNER = "ann";

/** A backend to test, with a look at the stored child totals behind the store's back. */
interface Target {
  backend: Backend;
  totals(ids: readonly string[]): Promise<Map<string, RollupTotals>>;
  close(): Promise<void>;
}

function openTarget(name: string): Target {
  if (name.startsWith("sqlite")) {
    const path = tempDatabasePath();
    const backend = openBackend(path, { writerThread: name === "sqlite-writer-thread" });
    return {
      backend,
      totals: async (ids) => {
        const db = new Database(path, { readonly: true });
        try {
          const rows = db
            .prepare(
              `SELECT id, child_weight, child_done FROM progress_runs WHERE id IN (${ids.map(() => "?").join()})`,
            )
            .all(...ids) as Array<{ id: string; child_weight: string; child_done: string }>;
          return new Map(
            rows.map((row) => [row.id, { weight: BigInt(row.child_weight), done: BigInt(row.child_done) }]),
          );
        } finally {
          db.close();
        }
      },
      close: () => backend.close(),
    };
  }
  const schema = freshSchema();
  const backend = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 2 });
  const admin = adminClient();
  return {
    backend,
    totals: async (ids) => {
      const rows = await admin.unsafe(
        `SELECT id, child_weight, child_done FROM "${schema}".progress_runs WHERE id = ANY($1::text[])`,
        [ids as string[]],
      );
      return new Map(
        rows.map((row) => [
          row.id as string,
          { weight: BigInt(row.child_weight as string), done: BigInt(row.child_done as string) },
        ]),
      );
    },
    close: async () => {
      await backend.close();
      await admin.end({ timeout: 1 });
    },
  };
}

/** The exact sums over `children`, as the parent's row should hold them. */
function sumOf(children: readonly AgentRun[]): RollupTotals {
  let totals = NO_CHILDREN;
  for (const child of children) totals = adjustTotals(totals, childShare(child), NO_CHILDREN);
  return totals;
}

// Weights a caller may write: whole, binary fractions, decimal fractions, under a millionth, the largest.
const WEIGHTS = [1, 2, 3, 0.5, 0.1, 1 / 3, 7.25, 2.5e-7, 1_000_000] as const;
const STATUSES: TerminalStatus[] = ["succeeded", "failed", "cancelled"];

type Command =
  | { kind: "start"; under: number; weight: number | undefined; percent: number | undefined }
  | { kind: "update"; child: number; percent: number | null }
  | { kind: "weigh"; child: number; weight: number }
  | { kind: "complete"; child: number; status: TerminalStatus }
  | { kind: "delete"; child: number }
  | { kind: "heartbeat"; child: number }
  | { kind: "finishMiddle"; middle: number; status: TerminalStatus };

const percentArb = fc.integer({ min: 0, max: 100 });
const weightArb = fc.constantFrom(...WEIGHTS);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("start" as const),
      under: fc.nat(2),
      weight: fc.option(weightArb, { nil: undefined }),
      percent: fc.option(percentArb, { nil: undefined }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      child: fc.nat(),
      percent: fc.option(percentArb, { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("weigh" as const), child: fc.nat(), weight: weightArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      child: fc.nat(),
      status: fc.constantFrom(...STATUSES),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), child: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("heartbeat" as const), child: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("finishMiddle" as const),
      middle: fc.nat(1),
      status: fc.constantFrom(...STATUSES),
    }),
  },
);
// Batches of commands sent together without waiting, so several land in one transaction.
const scriptArb = fc.array(fc.array(commandArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 10 });

for (const backend of BACKENDS) {
  describe(`roll-up: ${backend.name}`, () => {
    const open: Array<Progress | Target> = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((item) => item.close()));
    });

    it("keeps every parent's percent equal to rollupPercent over its children, and its totals exact", async () => {
      await fc.assert(
        fc.asyncProperty(scriptArb, async (script) => {
          const target = openTarget(backend.name);
          const progress = createProgress({ backend: target.backend, sweepIntervalMs: 0 });
          try {
            // root ← two middle runs (whose percent is their children's) ← leaves; leaves under the root too.
            const root = await progress.startRun({ owner: OWNER, title: "root" });
            const middles = await Promise.all(
              [0, 1].map((i) =>
                progress.startRun({
                  owner: OWNER,
                  title: `middle ${i}`,
                  parentId: root.id,
                  metadata: { weight: i + 1 },
                }),
              ),
            );
            const parents = [root, ...middles];
            let leaves: string[] = [];
            for (const commands of script) {
              const known = leaves;
              const pick = (n: number) => (known.length > 0 ? known[n % known.length] : undefined);
              const gone = new Set<string>();
              await Promise.all(
                commands.map(async (command) => {
                  if (command.kind === "start") {
                    const run = await progress.startRun({
                      owner: OWNER,
                      title: "leaf",
                      parentId: parents[command.under]?.id,
                      ...(command.percent === undefined ? {} : { percent: command.percent }),
                      ...(command.weight === undefined ? {} : { metadata: { weight: command.weight } }),
                    });
                    leaves.push(run.id);
                    return;
                  }
                  if (command.kind === "finishMiddle") {
                    await progress.completeRun(middles[command.middle]!.id, OWNER, command.status);
                    return;
                  }
                  const id = pick(command.child);
                  if (!id) return;
                  if (command.kind === "update")
                    await progress.updateRunProgress(id, OWNER, { percent: command.percent });
                  if (command.kind === "weigh") {
                    await progress.updateRunProgress(id, OWNER, { metadata: { weight: command.weight } });
                  }
                  if (command.kind === "complete") await progress.completeRun(id, OWNER, command.status);
                  if (command.kind === "heartbeat") await progress.heartbeat(id, OWNER);
                  if (command.kind === "delete" && (await progress.deleteRun(id, OWNER))) gone.add(id);
                }),
              );
              leaves = leaves.filter((id) => !gone.has(id));
              const stored = await target.totals(parents.map((parent) => parent.id));
              for (const parent of parents) {
                const run = await progress.getRun(parent.id, OWNER);
                const children = await progress.listRuns(OWNER, { parentId: parent.id, limit: 500 });
                const expected = sumOf(children);
                expect(stored.get(parent.id), `totals of ${run?.title}`).toEqual(expected);
                // A finished parent keeps the percent it finished at.
                if (run?.status === "running")
                  expect(run.percent, `percent of ${run.title}`).toBe(rollupPercent(children));
              }
            }
          } finally {
            await progress.close();
          }
        }),
        // A writer thread takes half a second to start: fewer cases there.
        { numRuns: { sqlite: 40, "sqlite-writer-thread": 12, postgres: 25 }[backend.name] ?? 25 },
      );
    }, 240_000);

    it("reads O(1) rows to update one child of 2,000 siblings, not the siblings", async () => {
      const progress = createProgress({ backend: backend.open(), sweepIntervalMs: 0 });
      open.push(progress);
      const parent = await progress.startRun({ owner: OWNER, title: "orchestrate" });
      const children: AgentRun[] = [];
      for (let i = 0; i < 2000; i += 250) {
        children.push(
          ...(await Promise.all(
            Array.from({ length: 250 }, (_, j) =>
              progress.startRun({ owner: OWNER, title: `child ${i + j}`, parentId: parent.id }),
            ),
          )),
        );
      }
      const child = children[1234] as AgentRun;
      const before = { ...progress.store.stats };
      for (let k = 1; k <= 10; k++) await progress.updateRunProgress(child.id, OWNER, { percent: k * 10 });
      const batches = progress.store.stats.batches - before.batches;
      const reads = progress.store.stats.rowReads - before.rowReads;
      expect(batches).toBe(10);
      // The child and its parent at most (none on SQLite, whose batches keep the rows they wrote);
      // the roll-up before this read all 2,000 siblings on every write (2,000 rows a batch, 2,002 on PostgreSQL).
      expect(reads / batches).toBeLessThanOrEqual(2);
      // One child at 100% of 2,000: 0.05%, shown as 0; then half of them succeeded: 50.05%, shown as 50.
      expect((await progress.getRun(parent.id, OWNER))?.percent).toBe(0);
      await Promise.all(children.slice(0, 1000).map((c) => progress.completeRun(c.id, OWNER, "succeeded")));
      expect((await progress.getRun(parent.id, OWNER))?.percent).toBe(50);
    });

    it("takes a swept child out of its parent's totals", async () => {
      const target = openTarget(backend.name);
      open.push(target);
      let now = Date.parse("2026-01-01T00:00:00Z");
      const progress = createProgress({ backend: target.backend, clock: () => now, sweepIntervalMs: 0 });
      open.push(progress);
      const parent = await progress.startRun({ owner: OWNER, title: "long-lived parent" });
      const done = await progress.startRun({ owner: OWNER, title: "early", parentId: parent.id });
      await progress.completeRun(done.id, OWNER, "succeeded");
      now += 31 * 24 * 60 * 60 * 1000;
      const late = await progress.startRun({
        owner: OWNER,
        title: "late",
        parentId: parent.id,
        metadata: { weight: 3 },
      });
      expect((await progress.getRun(parent.id, OWNER))?.percent).toBe(25); // (100 + 3 × 0) / 4
      expect(await progress.sweep()).toBe(1);
      expect((await target.totals([parent.id])).get(parent.id)).toEqual({ weight: 3_000_000n, done: 0n });
      await progress.updateRunProgress(late.id, OWNER, { percent: 40 });
      expect((await progress.getRun(parent.id, OWNER))?.percent).toBe(40);
    });

    it("counts the children a deleted run left behind for a new run given its id", async () => {
      const progress = createProgress({ backend: backend.open(), sweepIntervalMs: 0 });
      open.push(progress);
      const old = await progress.startRun({ id: "job-1", owner: OWNER, title: "first try" });
      const child = await progress.startRun({ owner: OWNER, title: "child", parentId: old.id, percent: 30 });
      await progress.deleteRun(old.id, OWNER);
      const again = await progress.startRun({ id: "job-1", owner: OWNER, title: "second try" });
      expect(again.percent).toBeNull();
      expect((await progress.getRun(again.id, OWNER))?.percent).toBe(30);
      await progress.updateRunProgress(child.id, OWNER, { percent: 60 });
      expect((await progress.getRun(again.id, OWNER))?.percent).toBe(60);
    });
  });
}

/** Rows stored before the totals existed: the migration sums their children by the same rule. */
describe("roll-up totals of rows stored before them", () => {
  // Children of p1 and p2 as rows: [parent, status, percent, metadata].
  const children: Array<[string, string, number | null, string]> = [
    ["p1", "running", 40, "{}"],
    ["p1", "succeeded", 10, '{"weight":3}'],
    ["p1", "failed", 70, '{"weight":0.1}'],
    ["p1", "running", null, '{"weight":"heavy"}'],
    ["p1", "running", 55, '{"weight":1e308}'],
    ["p1", "cancelled", 20, '{"weight":2.5e-7,"note":"\\u0000"}'],
    ["p2", "running", 99, '{"weight":1000000}'],
    ["p2", "running", 33, '{"weight":0.3333333333333333}'],
  ];
  const expected = (parent: string): RollupTotals => {
    let totals = NO_CHILDREN;
    for (const [of, status, percent, metadata] of children) {
      if (of !== parent) continue;
      const share = childShare({ status: status as AgentRun["status"], percent, metadata: JSON.parse(metadata) });
      totals = adjustTotals(totals, share, NO_CHILDREN);
    }
    return totals;
  };

  it("on SQLite", async () => {
    const path = tempDatabasePath();
    const old = new Database(path);
    migrateSqlite(
      old,
      SQLITE_MIGRATIONS.slice(
        0,
        SQLITE_MIGRATIONS.findIndex((sql) => sql.includes("child_weight")),
      ),
    );
    const insert = old.prepare(
      `INSERT INTO progress_runs (id, owner, title, status, percent, metadata, parent_id, cancel_requested,
        created_at, updated_at, heartbeat_at, version, percent_set_by_run, samples, history_at)
       VALUES (?, 'ann', ?, ?, ?, ?, ?, 0, 1, 1, 1, 1, 0, X'', 1)`,
    );
    insert.run("p1", "p1", "running", null, "{}", null);
    insert.run("p2", "p2", "running", null, "{}", null);
    for (const [i, [parent, status, percent, metadata]] of children.entries()) {
      insert.run(`c${i}`, `c${i}`, status, percent, metadata, parent);
    }
    old.close();
    const backend = openBackend(path);
    await checkMigrated(backend, async () => {
      const db = new Database(path, { readonly: true });
      const rows = db.prepare("SELECT id, child_weight, child_done FROM progress_runs WHERE id IN ('p1', 'p2')").all();
      db.close();
      return rows as Array<{ id: string; child_weight: string; child_done: string }>;
    });
  });

  it.skipIf(!BACKENDS.some((backend) => backend.name === "postgres"))("on PostgreSQL", async () => {
    const schema = freshSchema();
    const transactor = new Transactor(POSTGRES_TEST_URL, { connection: { search_path: `"${schema}"` } });
    const before = POSTGRES_MIGRATIONS.slice(
      0,
      POSTGRES_MIGRATIONS.findIndex((sql) => sql.includes("child_weight")),
    );
    await migratePostgres(transactor, { createSchema: schema, migrations: before });
    await transactor.end();
    const admin = adminClient();
    try {
      const insert = `INSERT INTO "${schema}".progress_runs (id, owner, title, status, percent, metadata, parent_id,
          cancel_requested, created_at, updated_at, heartbeat_at, version, percent_set_by_run, samples, history_at)
        VALUES ($1, 'ann', $1, $2, $3, $4, $5, false, 1, 1, 1, 1, false, '[]', 1)`;
      await admin.unsafe(insert, ["p1", "running", null, "{}", null]);
      await admin.unsafe(insert, ["p2", "running", null, "{}", null]);
      for (const [i, [parent, status, percent, metadata]] of children.entries()) {
        await admin.unsafe(insert, [`c${i}`, status, percent, metadata, parent]);
      }
      const backend = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 2 });
      await checkMigrated(backend, async () => {
        const rows = await admin.unsafe(
          `SELECT id, child_weight, child_done FROM "${schema}".progress_runs WHERE id IN ('p1', 'p2')`,
        );
        return rows as Array<{ id: string; child_weight: string; child_done: string }>;
      });
    } finally {
      await admin.end({ timeout: 1 });
    }
  });

  async function checkMigrated(
    backend: Backend,
    read: () => Promise<Array<{ id: string; child_weight: string; child_done: string }>>,
  ): Promise<void> {
    const progress = createProgress({ backend, sweepIntervalMs: 0 });
    try {
      await progress.ready;
      const rows = await read();
      const stored = new Map(
        rows.map((row) => [row.id, { weight: BigInt(row.child_weight), done: BigInt(row.child_done) }]),
      );
      expect(stored.get("p1")).toEqual(expected("p1"));
      expect(stored.get("p2")).toEqual(expected("p2"));
      // A child's write then moves its parent from the migrated totals, to what a full recount says.
      await progress.updateRunProgress("c0", OWNER, { percent: 45 });
      const listed = await progress.listRuns(OWNER, { parentId: "p1" });
      expect((await progress.getRun("p1", OWNER))?.percent).toBe(rollupPercent(listed));
      expect(listed.length).toBe(6);
    } finally {
      await progress.close();
    }
  }
});
