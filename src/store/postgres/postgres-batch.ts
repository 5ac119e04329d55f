import { type RunRecord, ValidationError } from "../../core/index.js";
import { BatchPlan, dedupeKeyOf, type PlanOptions } from "../batch-plan.js";
import type { BatchResult, OpOutcome, RunOp, RunStoreStats } from "../run-store.js";
import type { PgSqlLike } from "./postgres-driver.js";
import { RUN_COLUMNS, type RunRow, rowToRecord } from "./postgres-rows.js";
import type { Transactor } from "./postgres-transactor.js";
import { type ProgramOptions, runWriteProgram } from "./postgres-write-program.js";

export interface PgBatchWriterOptions extends PlanOptions, ProgramOptions {}

const BUMP_COUNTER = "UPDATE headway_feed_counter SET seq = seq + 1 RETURNING seq";
const RUNS_BY_ID = `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE id = ANY($1::text[])`;
const RUNS_BY_PARENT = `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE parent_id = ANY($1::text[])`;

/** Thrown inside the transaction to roll it back when a batch changed nothing: its counter bump must not count. */
class NothingToCommit {
  constructor(readonly outcomes: OpOutcome[]) {}
}

const NOTHING: BatchResult = { outcomes: [], commit: null, firstDiagnostics: [], rowBytes: 0 };

/**
 * Runs whole batches: counter, read, plan and write in one transaction.
 *
 * The transaction first bumps the one-row feed counter. Its row lock is held
 * until commit, so a second writer's bump waits until the first has
 * committed (or rolled back) and then reads its value: sequences are handed
 * out in commit order, and a reader that sees entry N+1 sees N. Everything
 * the plan reads is read after the bump, so under the same lock: no other
 * writer can commit between a plan's reads and its writes, as with SQLite's
 * IMMEDIATE transaction. No rows are cached between batches.
 */
export class PgBatchWriter {
  readonly stats: RunStoreStats = { batches: 0, ops: 0, rowWrites: 0, rowReads: 0 };

  constructor(
    private readonly transactor: Transactor,
    private readonly options: () => PgBatchWriterOptions,
  ) {}

  async execute(ops: readonly RunOp[], now: number): Promise<BatchResult> {
    this.stats.batches++;
    this.stats.ops += ops.length;
    // PostgreSQL text cannot hold U+0000: such an op fails alone instead of failing the whole batch.
    const refused = ops.map(nulProblem);
    const accepted = ops.filter((_, i) => refused[i] === undefined);
    const result = accepted.length > 0 ? await this.transact(accepted, now) : NOTHING;
    if (accepted.length === ops.length) return result;
    let next = 0;
    const outcomes = refused.map((problem): OpOutcome => problem ?? (result.outcomes[next++] as OpOutcome));
    return { ...result, outcomes };
  }

  private async transact(ops: readonly RunOp[], now: number): Promise<BatchResult> {
    const options = this.options();
    try {
      return await this.transactor.run("ISOLATION LEVEL READ COMMITTED", async (sql): Promise<BatchResult> => {
        // The reads go out after the bump (the transactor sends one statement at a time): under the counter lock.
        const [[counter], plan] = await Promise.all([
          sql.unsafe<{ seq: number }>(BUMP_COUNTER),
          planBatch(sql, ops, now, options, this.stats),
        ]);
        const seq = counter?.seq as number;
        if (!plan.hasChanges()) throw new NothingToCommit(plan.outcomes);
        const changes = plan.changes();
        this.stats.rowWrites += await runWriteProgram(sql, plan, changes, seq, now, options);
        return {
          outcomes: plan.outcomes,
          commit: { seq, at: now, changes },
          firstDiagnostics: plan.firstDiagnostics(),
          rowBytes: plan.rowBytes(),
        };
      });
    } catch (error) {
      if (error instanceof NothingToCommit)
        return { outcomes: error.outcomes, commit: null, firstDiagnostics: [], rowBytes: 0 };
      throw error;
    }
  }
}

/**
 * Plans the batch with the shared rules. BatchPlan's roll-up asks for rows
 * synchronously, so the rows it needs are fetched ahead: plan with what is in
 * hand, note what was missing (parents, the grandparents a parent's change
 * reaches), fetch all of it, and plan afresh, until nothing is missing. Plans
 * are pure, so the last one is what a plan with synchronous reads would have made.
 */
async function planBatch(
  sql: PgSqlLike,
  ops: readonly RunOp[],
  now: number,
  options: PlanOptions,
  stats: RunStoreStats,
): Promise<BatchPlan> {
  const rows = new Map<string, RunRecord | null>();
  const children = new Map<string, RunRecord[]>();
  const draft = new BatchPlan(ops, now, options);
  const first = draft.idsToLoad();
  const [taken, reads] = await Promise.all([
    takenDedupeKeys(sql, draft.dedupeKeysToCheck()),
    fetchRows(sql, rows, children, first, draft.childrenToLoad()),
  ]);
  stats.rowReads += reads;
  for (;;) {
    const plan = new BatchPlan(ops, now, options);
    const loaded = new Map<string, RunRecord>();
    for (const id of first) {
      const run = rows.get(id);
      if (run) loaded.set(id, run);
    }
    plan.apply(loaded, taken);
    const missingRows = new Set<string>();
    const missingChildren = new Set<string>();
    plan.rollUp(
      (id) => {
        if (!rows.has(id)) missingRows.add(id);
        return rows.get(id) ?? undefined;
      },
      (parentId) => {
        const found = children.get(parentId);
        if (!found) missingChildren.add(parentId);
        return found ?? [];
      },
    );
    if (missingRows.size === 0 && missingChildren.size === 0) return plan;
    stats.rowReads += await fetchRows(sql, rows, children, [...missingRows], [...missingChildren]);
  }
}

/** The dedupe keys (as `dedupeKeyOf` writes them) that stored notifications hold already. */
async function takenDedupeKeys(sql: PgSqlLike, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql.unsafe<{ owner: string; dedupe_key: string }>(
    `SELECT n.owner, n.dedupe_key FROM notifications n
     JOIN unnest($1::text[], $2::text[]) AS k(owner, dedupe_key) ON n.owner = k.owner AND n.dedupe_key = k.dedupe_key`,
    [keys.map((key) => key.slice(0, key.indexOf("\u0000"))), keys.map((key) => key.slice(key.indexOf("\u0000") + 1))],
  );
  return new Set(rows.map((row) => dedupeKeyOf({ owner: row.owner, dedupeKey: row.dedupe_key })));
}

async function fetchRows(
  sql: PgSqlLike,
  rows: Map<string, RunRecord | null>,
  children: Map<string, RunRecord[]>,
  ids: readonly string[],
  parentIds: readonly string[],
): Promise<number> {
  const [byId, byParent] = await Promise.all([
    ids.length > 0 ? sql.unsafe<RunRow>(RUNS_BY_ID, [ids]) : [],
    parentIds.length > 0 ? sql.unsafe<RunRow>(RUNS_BY_PARENT, [parentIds]) : [],
  ]);
  for (const id of ids) rows.set(id, null);
  for (const row of byId) rows.set(row.id, rowToRecord(row));
  for (const id of parentIds) children.set(id, []);
  for (const row of byParent) children.get(row.parent_id as string)?.push(rowToRecord(row));
  return byId.length + byParent.length;
}

function nulProblem(op: RunOp): OpOutcome | undefined {
  const fields: Array<[string, unknown]> =
    op.kind === "start"
      ? [
          ["title", op.input.title],
          ["step", op.input.step],
        ]
      : op.kind === "update"
        ? [
            ["title", op.patch.title],
            ["step", op.patch.step],
          ]
        : op.kind === "complete"
          ? [["step", op.options.step]]
          : op.kind === "notify"
            ? [
                ["title", op.notification.title],
                ["body", op.notification.body],
                ["source", op.notification.source],
                ["dedupeKey", op.notification.dedupeKey],
              ]
            : [];
  for (const [field, value] of fields) {
    if (typeof value === "string" && value.includes("\u0000")) {
      const error = new ValidationError(field, "must not contain U+0000 (PostgreSQL text cannot hold it)");
      return { ok: false, reason: "invalid", error };
    }
  }
  return undefined;
}
