import type { RunRecord } from "../../core/index.js";
import { BatchPlan, type PlanOptions } from "../batch-plan.js";
import type { BatchResult, RunOp, RunStoreStats } from "../run-store.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { explainSqliteError } from "./sqlite-errors.js";
import { RUN_COLUMNS, type RunRow, rowToRecord } from "./sqlite-rows.js";
import { buildWriteProgram, runWriteProgram, type StatementCache } from "./sqlite-write-program.js";

export interface BatchWriterOptions extends PlanOptions {
  /** Tags this writer's change-log entries. */
  writerId: string;
  /** Rows kept in memory between batches. */
  cacheSize: number;
  changeLogLimit: number;
  historyLimit: number;
}

/**
 * Runs whole batches on one connection: read, plan and write inside one
 * IMMEDIATE transaction, so every plan rests on the rows as committed at
 * that moment — no other connection can commit between the read and the
 * write. The same code runs on the caller's thread or on the writer thread.
 *
 * Rows touched by recent batches stay cached; the cache is trusted only while
 * `PRAGMA data_version`, read under the write lock, shows that no other
 * connection committed since this one last did.
 */
export class SqliteBatchWriter {
  readonly stats: RunStoreStats = { batches: 0, ops: 0, rowWrites: 0, rowReads: 0 };
  private readonly cache = new Map<string, RunRecord>();
  private readonly statements: StatementCache = new Map();
  private readonly getById;
  private readonly children;
  private readonly dedupe;
  private dataVersion: number;

  constructor(
    private readonly db: SqliteDatabaseLike,
    private readonly options: BatchWriterOptions,
  ) {
    this.getById = db.prepare<RunRow>(`SELECT ${RUN_COLUMNS} FROM progress_runs WHERE id = ?`);
    this.children = db.prepare<RunRow>(`SELECT ${RUN_COLUMNS} FROM progress_runs WHERE parent_id = ?`);
    this.dedupe = db.prepare<{ one: number }>("SELECT 1 AS one FROM notifications WHERE owner = ? AND dedupe_key = ?");
    this.dataVersion = this.readDataVersion();
  }

  execute(ops: readonly RunOp[], now: number): BatchResult {
    const plan = new BatchPlan(ops, now, this.options);
    try {
      return this.commit(plan, ops, now);
    } catch (error) {
      throw explainSqliteError(error, this.db.name);
    }
  }

  private commit(plan: BatchPlan, ops: readonly RunOp[], now: number): BatchResult {
    const result = this.db
      .transaction((): BatchResult => {
        this.checkCache();
        plan.apply(this.load(plan.idsToLoad()), this.takenDedupeKeys(plan.dedupeKeysToCheck()));
        plan.rollUp(
          (id) => this.loadOne(id),
          (parentId) => {
            const rows = this.children.all(parentId);
            this.stats.rowReads += rows.length;
            return rows.map(rowToRecord);
          },
        );
        if (!plan.hasChanges()) return { outcomes: plan.outcomes, commit: null, firstDiagnostics: [], rowBytes: 0 };
        const changes = plan.changes();
        const program = buildWriteProgram(plan, changes, now, this.options);
        const seq = runWriteProgram(this.db, this.statements, program);
        this.stats.rowWrites += program.rowWrites;
        return {
          outcomes: plan.outcomes,
          commit: { seq, at: now, changes },
          firstDiagnostics: plan.firstDiagnostics(),
          rowBytes: plan.rowBytes(),
        };
      })
      .immediate();
    this.stats.batches++;
    this.stats.ops += ops.length;
    this.remember(plan);
    return result;
  }

  /** Forgets a row another path of this connection deleted (the retention sweep). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private readDataVersion(): number {
    return Number(this.db.pragma("data_version", { simple: true }));
  }

  private checkCache(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.cache.clear();
    this.dataVersion = version;
  }

  /** The dedupe keys (as `dedupeKeyOf` writes them) that stored notifications hold already. */
  private takenDedupeKeys(keys: readonly string[]): Set<string> {
    const taken = new Set<string>();
    for (const key of keys) {
      const split = key.indexOf("\u0000");
      if (this.dedupe.get(key.slice(0, split), key.slice(split + 1))) taken.add(key);
    }
    return taken;
  }

  private loadOne(id: string): RunRecord | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.getById.get(id);
    if (!row) return undefined;
    this.stats.rowReads++;
    return rowToRecord(row);
  }

  private load(ids: readonly string[]): Map<string, RunRecord> {
    const found = new Map<string, RunRecord>();
    for (const id of ids) {
      const run = this.loadOne(id);
      if (run) found.set(id, run);
    }
    return found;
  }

  /** Keeps the committed rows (only after commit: a rolled-back plan's rows were never stored). */
  private remember(plan: BatchPlan): void {
    if (this.cache.size > this.options.cacheSize) this.cache.clear();
    for (const [id, run] of plan.touched()) {
      if (run) this.cache.set(id, run);
      else this.cache.delete(id);
    }
  }
}
