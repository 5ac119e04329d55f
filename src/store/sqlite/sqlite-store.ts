import { randomUUID } from "node:crypto";
import {
  type AgentRun,
  type HeadwayEvent,
  LIMITS,
  type ListRunsOptions,
  type RunCounts,
  type RunRecord,
  toAgentRun,
} from "../../core/index.js";
import { BatchPlan, type PlanOptions } from "../batch-plan.js";
import type { BatchResult, ChangeFeed, HistoryPoint, RunOp, RunStore, RunStoreStats } from "../run-store.js";
import type { OpenSqliteOptions, SqliteDatabaseLike, SqliteStatementLike } from "./sqlite-driver.js";
import { type PipelineHost, SqlitePipeline } from "./sqlite-pipeline.js";
import { type HistoryRow, historyRowToPoint, RUN_COLUMNS, type RunRow, rowToRecord } from "./sqlite-rows.js";
import { countRuns, searchRuns } from "./sqlite-run-queries.js";
import { migrateSqlite } from "./sqlite-schema.js";
import { ExternalChangeTail } from "./sqlite-tail.js";
import { buildWriteProgram, runWriteProgram, type StatementCache, type WriteProgram } from "./sqlite-write-program.js";

export interface SqliteStoreOptions extends Partial<PlanOptions> {
  /** Rows kept in memory between batches; checked against `PRAGMA data_version`. (Default: 20000) */
  cacheSize?: number;
  /** Commits kept in the change log that other processes tail and SSE resumes from. (Default: 50000) */
  changeLogLimit?: number;
  /** History points kept per run. (Default: 200) */
  historyLimit?: number;
  /** How often to look for other processes' commits, in ms. (Default: 20) */
  tailIntervalMs?: number;
  /**
   * Commit on a writer thread (a second connection to `path`), so one batch's
   * fsync overlaps the planning of the next. `openStore` sets this up.
   */
  writerThread?: { path: string; open: OpenSqliteOptions };
}

interface ChangeLogRow {
  seq: number;
  started: string;
  updated: string;
  deleted: string;
}

/**
 * The embedded store. One connection; every batch is one IMMEDIATE
 * transaction. Rows touched by recent batches stay cached, and the cache is
 * dropped whenever `PRAGMA data_version` shows another connection committed.
 */
export class SqliteRunStore implements RunStore {
  readonly dialect = "sqlite" as const;
  readonly stats: RunStoreStats = { batches: 0, ops: 0, rowWrites: 0 };
  /** Tags this process's change-log entries, so its own tail skips them. */
  readonly writerId = randomUUID();
  private readonly cache = new Map<string, RunRecord>();
  private dataVersion: number;
  /**
   * Every commit up to here has been published by this process (its own at
   * commit, others' by the tail). Local events carry this sequence instead of
   * their own while another process's commit still waits for the tail, so a
   * client resuming from a local event's id never skips that commit.
   */
  private publishedThrough: number;
  private untailedExternalCommit = false;
  private readonly options: Required<Omit<SqliteStoreOptions, "writerThread">>;
  private readonly pipeline: SqlitePipeline | undefined;
  readonly pipelineDepth: number;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private tail: ExternalChangeTail | undefined;
  /** Write statements by SQL text. */
  private readonly statements: StatementCache = new Map();

  constructor(
    /** The connection, for stores of other tables in the same file (tokens). */
    readonly db: SqliteDatabaseLike,
    options: SqliteStoreOptions = {},
  ) {
    migrateSqlite(db);
    this.options = {
      historyIntervalMs: options.historyIntervalMs ?? 1000,
      cacheSize: options.cacheSize ?? 20_000,
      changeLogLimit: options.changeLogLimit ?? 50_000,
      historyLimit: options.historyLimit ?? 200,
      tailIntervalMs: options.tailIntervalMs ?? 20,
    };
    this.sql = prepareStatements(db);
    this.dataVersion = Number(db.pragma("data_version", { simple: true }));
    this.publishedThrough = this.sql.maxSeq.get()?.seq ?? 0;
    const thread = options.writerThread;
    this.pipeline = thread ? new SqlitePipeline(thread.path, thread.open, this.pipelineHost()) : undefined;
    this.pipelineDepth = this.pipeline ? 2 : 1;
  }

  async applyBatch(ops: readonly RunOp[], now: number, options?: { events?: boolean }): Promise<BatchResult> {
    if (this.pipeline) return this.pipeline.submit(ops, now, options?.events !== false);
    return this.applyBatchSync(ops, now, options);
  }

  /** The whole batch runs synchronously: better-sqlite3 transactions cannot span an await. */
  applyBatchSync(ops: readonly RunOp[], now: number, options: { events?: boolean } = {}): BatchResult {
    const plan = new BatchPlan(ops, now, this.options);
    let commitSeq = 0;
    this.db
      .transaction(() => {
        if (this.checkCache() && this.tail?.running) this.untailedExternalCommit = true;
        plan.apply(this.load(plan.idsToLoad()));
        this.rollUp(plan);
        if (plan.hasChanges()) commitSeq = runWriteProgram(this.db, this.statements, this.program(plan, now));
      })
      .immediate();
    this.remember(plan, false);
    return this.finish(plan, commitSeq, options.events !== false);
  }

  /** Counts the batch and builds its answer once it committed as `commitSeq` (0 when nothing was written). */
  private finish(plan: BatchPlan, commitSeq: number, wantEvents: boolean): BatchResult {
    this.stats.batches++;
    this.stats.ops += plan.outcomes.length;
    if (!this.untailedExternalCommit && commitSeq > 0) this.publishedThrough = commitSeq;
    const eventSeq = this.untailedExternalCommit ? this.publishedThrough : commitSeq;
    const events = plan.hasChanges() && wantEvents ? plan.events(eventSeq) : [];
    return { outcomes: plan.outcomes, events };
  }

  private program(plan: BatchPlan, now: number): WriteProgram {
    const program = buildWriteProgram(plan, now, {
      writerId: this.writerId,
      historyLimit: this.options.historyLimit,
      changeLogLimit: this.options.changeLogLimit,
    });
    this.stats.rowWrites += program.rowWrites;
    return program;
  }

  private pipelineHost(): PipelineHost {
    return {
      plan: (ops, now, othersInFlight) => {
        const plan = new BatchPlan(ops, now, this.options);
        plan.apply(this.load(plan.idsToLoad()));
        // Children are read from the table: with batches still out, it may not hold theirs yet.
        if (othersInFlight && plan.touchesTree()) return "blocked";
        this.rollUp(plan);
        this.remember(plan, othersInFlight);
        return plan;
      },
      program: (plan, now) => this.program(plan, now),
      finish: (plan, seq, events) => this.finish(plan, seq, events),
      invalidate: () => {
        this.cache.clear();
        if (this.tail?.running) this.untailedExternalCommit = true;
      },
    };
  }

  private rollUp(plan: BatchPlan): void {
    plan.rollUp(
      (id) => this.loadOne(id),
      (parentId) => this.sql.children.all(parentId).map(rowToRecord),
    );
  }

  async getRun(id: string, owner: string): Promise<AgentRun | null> {
    const row = this.sql.get.get(id, owner);
    return row ? toAgentRun(rowToRecord(row)) : null;
  }

  async listRuns(owner: string, options: ListRunsOptions): Promise<AgentRun[]> {
    if (options.q !== undefined || options.status !== undefined) return searchRuns(this.db, owner, options);
    const limit = options.limit ?? LIMITS.listLimitDefault;
    const cursor = options.cursor ?? "\uffff";
    let rows: RunRow[];
    if (options.parentId !== undefined) {
      rows = options.activeOnly
        ? this.sql.listChildrenActive.all(options.parentId, owner, cursor, limit)
        : this.sql.listChildren.all(options.parentId, owner, cursor, limit);
    } else {
      rows = options.activeOnly
        ? this.sql.listActive.all(owner, cursor, limit)
        : this.sql.listAll.all(owner, cursor, limit);
    }
    return rows.map((row) => toAgentRun(rowToRecord(row)));
  }

  async countRuns(owner: string, options: { q?: string } = {}): Promise<RunCounts> {
    return countRuns(this.db, owner, options);
  }

  async listHistory(id: string, owner: string, limit = this.options.historyLimit): Promise<HistoryPoint[] | null> {
    if (!this.sql.exists.get(id, owner)) return null;
    return this.sql.history.all(id, limit).reverse().map(historyRowToPoint);
  }

  async countActive(): Promise<number> {
    return this.sql.countActive.get()?.n ?? 0;
  }

  async currentCommitSeq(): Promise<number> {
    return this.sql.maxSeq.get()?.seq ?? 0;
  }

  async changesSince(commitSeq: number, owner?: string): Promise<ChangeFeed | null> {
    const oldest = this.sql.minSeq.get()?.seq;
    const newest = this.sql.maxSeq.get()?.seq ?? 0;
    if (commitSeq > newest) return { commitSeq: newest, runs: [], deleted: [] };
    if (oldest === null || oldest === undefined || commitSeq < oldest - 1) return null;
    const entries = this.sql.changesAfter.all(commitSeq, "");
    const feed = collectChanges(entries, (id) => this.sql.getById.get(id), owner);
    return { ...feed, commitSeq: newest };
  }

  watchExternalChanges(listener: (events: HeadwayEvent[]) => void): () => void {
    this.tail ??= new ExternalChangeTail({
      intervalMs: this.options.tailIntervalMs,
      dataVersion: () => Number(this.db.pragma("data_version", { simple: true })),
      startSeq: this.sql.maxSeq.get()?.seq ?? 0,
      // The cache needs nothing here: each batch checks data_version (or the writer thread refuses stale plans).
      readAfter: (seq) => {
        return { entries: this.sql.changesAfter.all(seq, this.writerId), newest: this.sql.maxSeq.get()?.seq ?? 0 };
      },
      loadRun: (id) => {
        const row = this.sql.getById.get(id);
        return row ? rowToRecord(row) : undefined;
      },
      caughtUpTo: (seq) => {
        this.publishedThrough = Math.max(this.publishedThrough, seq);
        this.untailedExternalCommit = false;
      },
    });
    return this.tail.add(listener);
  }

  async sweepCompleted(before: number): Promise<number> {
    let total = 0;
    // Small transactions, so a large sweep never holds the write lock for long.
    for (;;) {
      const deleted = this.db
        .transaction(() => {
          const ids = this.sql.expired.all(before, 1000).map((row) => row.id);
          for (const id of ids) {
            this.sql.deleteHistory.run(id);
            this.sql.delete.run(id);
            this.cache.delete(id);
          }
          return ids.length;
        })
        .immediate();
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  async close(): Promise<void> {
    this.tail?.stop();
    await this.pipeline?.close();
    if (this.db.open) this.db.close();
  }

  /** Drops the cache when another connection committed since we last looked; says whether one did. */
  private checkCache(): boolean {
    const version = Number(this.db.pragma("data_version", { simple: true }));
    if (version === this.dataVersion) return false;
    this.cache.clear();
    this.dataVersion = version;
    return true;
  }

  private loadOne(id: string): RunRecord | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.sql.getById.get(id);
    return row ? rowToRecord(row) : undefined;
  }

  private load(ids: readonly string[]): Map<string, RunRecord> {
    const found = new Map<string, RunRecord>();
    for (const id of ids) {
      const run = this.loadOne(id);
      if (run) found.set(id, run);
    }
    return found;
  }

  /** Keeps the batch's rows; with batches still out, the cache holds their uncommitted rows and must not be dropped. */
  private remember(plan: BatchPlan, othersInFlight: boolean): void {
    if (!othersInFlight && this.cache.size > this.options.cacheSize) this.cache.clear();
    for (const [id, run] of plan.touched()) {
      if (run) this.cache.set(id, run);
      else this.cache.delete(id);
    }
  }
}

/** Folds change-log entries into the current state of each changed run, for one owner or all. */
export function collectChanges(
  entries: readonly ChangeLogRow[],
  loadRow: (id: string) => RunRow | undefined,
  owner?: string,
): Omit<ChangeFeed, "commitSeq"> {
  const changed = new Set<string>();
  const deleted = new Map<string, string>();
  for (const entry of entries) {
    for (const id of JSON.parse(entry.started) as string[]) changed.add(id);
    for (const id of JSON.parse(entry.updated) as string[]) changed.add(id);
    for (const [id, runOwner] of JSON.parse(entry.deleted) as Array<[string, string]>) deleted.set(id, runOwner);
  }
  const runs: AgentRun[] = [];
  for (const id of changed) {
    if (deleted.has(id)) continue;
    const row = loadRow(id);
    if (row && (owner === undefined || row.owner === owner)) runs.push(toAgentRun(rowToRecord(row)));
  }
  const gone = [...deleted]
    .filter(([, runOwner]) => owner === undefined || runOwner === owner)
    .map(([id, runOwner]) => ({ id, owner: runOwner }));
  return { runs, deleted: gone };
}

function prepareStatements(db: SqliteDatabaseLike) {
  const select = `SELECT ${RUN_COLUMNS} FROM progress_runs`;
  return {
    getById: db.prepare<RunRow>(`${select} WHERE id = ?`),
    get: db.prepare<RunRow>(`${select} WHERE id = ? AND owner = ?`),
    exists: db.prepare<{ one: number }>("SELECT 1 AS one FROM progress_runs WHERE id = ? AND owner = ?"),
    children: db.prepare<RunRow>(`${select} WHERE parent_id = ?`),
    listAll: db.prepare<RunRow>(`${select} WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?`),
    listActive: db.prepare<RunRow>(
      `${select} WHERE owner = ? AND status = 'running' AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    listChildren: db.prepare<RunRow>(`${select} WHERE parent_id = ? AND owner = ? AND id < ? ORDER BY id DESC LIMIT ?`),
    listChildrenActive: db.prepare<RunRow>(
      `${select} WHERE parent_id = ? AND owner = ? AND status = 'running' AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    delete: db.prepare("DELETE FROM progress_runs WHERE id = ?"),
    deleteHistory: db.prepare("DELETE FROM run_history WHERE run_id = ?"),
    history: db.prepare<HistoryRow>(
      "SELECT version, at, type, percent, step, status, state FROM run_history WHERE run_id = ? ORDER BY seq DESC LIMIT ?",
    ),
    changesAfter: db.prepare<ChangeLogRow & { writer: string }>(
      "SELECT seq, writer, started, updated, deleted FROM change_log WHERE seq > ? AND writer != ? ORDER BY seq",
    ),
    countActive: db.prepare<{ n: number }>(
      "SELECT count(*) AS n FROM progress_runs INDEXED BY progress_runs_running WHERE status = 'running'",
    ),
    maxSeq: db.prepare<{ seq: number | null }>("SELECT max(seq) AS seq FROM change_log"),
    minSeq: db.prepare<{ seq: number | null }>("SELECT min(seq) AS seq FROM change_log"),
    expired: db.prepare<{ id: string }>(
      "SELECT id FROM progress_runs WHERE completed_at IS NOT NULL AND completed_at < ? LIMIT ?",
    ),
  };
}

export type { SqliteStatementLike };
