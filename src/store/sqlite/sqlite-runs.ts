import { randomUUID } from "node:crypto";
import {
  type AgentRun,
  adjustTotals,
  LIMITS,
  type ListRunsOptions,
  NO_CHILDREN,
  type RunCounts,
  toAgentRun,
} from "../../core/index.js";
import type { PlanOptions } from "../batch-plan.js";
import {
  type ChangeLogEntry,
  commitsOf,
  type DecodedEntry,
  decodeEntry,
  entryEventBytes,
  FEED_PAGE_BYTES,
  FEED_ROW_BYTES,
  type FeedPage,
  newRunIdsOf,
  notificationsOf,
} from "../change-feed.js";
import { sharesByParent, totalsOf } from "../child-totals.js";
import type { BatchResult, ChangeSet, HistoryPoint, RunOp, RunStore, RunStoreStats } from "../run-store.js";
import { type BatchWriterOptions, SqliteBatchWriter } from "./sqlite-batch.js";
import type { OpenSqliteOptions, SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { type HistoryRow, historyRowToPoint, RUN_COLUMNS, type RunRow, rowToRecord } from "./sqlite-rows.js";
import { countRuns, searchRuns } from "./sqlite-run-queries.js";
import { migrateSqlite } from "./sqlite-schema.js";
import { watchDataVersion } from "./sqlite-wakeup.js";
import { SqliteWriterThread } from "./sqlite-writer-thread.js";

export interface SqliteStoreOptions extends Partial<PlanOptions> {
  /** Rows kept in memory between batches; trusted only while no other connection committed. (Default: 20000) */
  cacheSize?: number;
  /** Commits kept in the change log that followers and SSE resumes read. (Default: 50000) */
  changeLogLimit?: number;
  /** History points kept per run, while it runs and after. (Default: 200) */
  historyLimit?: number;
  /**
   * Run batches on a writer thread with its own connection to `path`, so one
   * batch's fsync overlaps the main thread's work on the next. `openBackend` sets it up.
   */
  writerThread?: { path: string; open: OpenSqliteOptions };
}

/**
 * The embedded store. Reads run on the caller's connection; writes run as
 * whole batches (read, plan, write) in one IMMEDIATE transaction, on this
 * connection or on the writer thread's.
 */
export class SqliteRunStore implements RunStore {
  readonly dialect = "sqlite" as const;
  /** Tags this store's change-log entries. */
  readonly writerId = randomUUID();
  readonly pipelineDepth: number;
  private readonly batchOptions: BatchWriterOptions;
  private readonly local: SqliteBatchWriter;
  private readonly thread: SqliteWriterThread | undefined;
  private readonly sql: ReturnType<typeof prepareStatements>;

  constructor(
    private readonly db: SqliteDatabaseLike,
    options: SqliteStoreOptions = {},
  ) {
    migrateSqlite(db);
    this.batchOptions = {
      writerId: this.writerId,
      historyIntervalMs: options.historyIntervalMs ?? 1000,
      cacheSize: options.cacheSize ?? 20_000,
      changeLogLimit: options.changeLogLimit ?? 50_000,
      historyLimit: options.historyLimit ?? 200,
    };
    this.sql = prepareStatements(db);
    this.local = new SqliteBatchWriter(db, this.batchOptions);
    const thread = options.writerThread;
    this.thread = thread ? new SqliteWriterThread({ ...thread, batch: this.batchOptions }) : undefined;
    this.pipelineDepth = this.thread ? 2 : 1;
  }

  get stats(): RunStoreStats {
    return this.thread?.stats ?? this.local.stats;
  }

  applyBatch(ops: readonly RunOp[], now: number): Promise<BatchResult> {
    if (this.thread) return this.thread.submit(ops, now);
    // BEGIN IMMEDIATE is the batch's first step: a busy try stored nothing and is tried again.
    return writeWhenFree(this.db, () => this.local.execute(ops, now));
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

  async listHistory(id: string, owner: string, limit = this.batchOptions.historyLimit): Promise<HistoryPoint[] | null> {
    if (!this.sql.exists.get(id, owner)) return null;
    return this.sql.history.all(id, limit).reverse().map(historyRowToPoint);
  }

  async countActive(): Promise<number> {
    return this.sql.countActive.get()?.n ?? 0;
  }

  async countAttention(): Promise<{ action_required: number; stale: number }> {
    const row = this.sql.countAttention.get();
    return { action_required: row?.action_required ?? 0, stale: row?.stale ?? 0 };
  }

  async listActiveHeartbeats(): Promise<number[]> {
    return this.sql.activeHeartbeats.all().map((row) => row.heartbeat_at);
  }

  async listRunning(afterId: string, limit: number): Promise<AgentRun[]> {
    return this.sql.running.all(afterId, limit).map((row) => toAgentRun(rowToRecord(row)));
  }

  async listSilentRuns(before: number, limit: number): Promise<string[]> {
    return this.sql.silent.all(before, limit).map((row) => row.id);
  }

  async currentCommitSeq(): Promise<number> {
    return this.sql.maxSeq.get()?.seq ?? 0;
  }

  async readFeed(afterSeq: number, limit: number): Promise<FeedPage> {
    const listed = this.sql.feedAfter.all(afterSeq, limit + 1).map(decodeEntry);
    const last = Math.min(limit, listed.length);
    // The rows are read after the entries, so each is at least as new as the commits naming it. A row's
    // state may be newer than its commit, never newer than `readAt`, read last; a run deleted meanwhile
    // is left out (its deletion follows). The page ends at the first commit boundary past FEED_PAGE_BYTES
    // (runs loaded, and the entries' other events: entryEventBytes), and a commit larger than that is
    // loaded in slices of it, with the event loop's turn between them.
    const idsByEntry = newRunIdsOf(listed.slice(0, last));
    const runs = new Map<string, AgentRun>();
    let entry = 0;
    let index = 0;
    let pageBytes = 0;
    const pageDone = () => entry >= last || (entry > 0 && index === 0 && pageBytes >= FEED_PAGE_BYTES);
    let readAt: number;
    let turns = 0;
    do {
      if (turns++ > 0) await new Promise((resolve) => setImmediate(resolve));
      readAt = this.db.transaction(() => {
        for (let sliceBytes = 0; !pageDone() && sliceBytes < FEED_PAGE_BYTES; ) {
          const ids = idsByEntry[entry] as string[];
          const row = index < ids.length ? this.sql.getById.get(ids[index++]) : undefined;
          if (row) {
            const bytes = row.metadata.length + FEED_ROW_BYTES;
            sliceBytes += bytes;
            pageBytes += bytes;
            runs.set(row.id, toAgentRun(rowToRecord(row)));
          }
          // An entry is done as soon as its last run is loaded: a page that fills up there ends now,
          // not after another turn of the loop and an empty transaction.
          if (index >= ids.length) {
            pageBytes += entryEventBytes(listed[entry] as DecodedEntry);
            entry++;
            index = 0;
          }
        }
        return this.sql.maxSeq.get()?.seq ?? 0;
      })();
    } while (!pageDone());
    const entries = listed.slice(0, entry);
    const ownSeqs = new Set(entries.filter((each) => each.writer === this.writerId).map((each) => each.seq));
    return { commits: commitsOf(entries, (id) => runs.get(id)), readAt, more: listed.length > entry, ownSeqs };
  }

  async changesSince(commitSeq: number, owner?: string): Promise<ChangeSet | null> {
    const oldest = this.sql.minSeq.get()?.seq;
    const newest = this.sql.maxSeq.get()?.seq ?? 0;
    if (commitSeq >= newest) return { commitSeq: newest, runs: [], deleted: [], notifications: [] };
    if (oldest === null || oldest === undefined || commitSeq < oldest - 1) return null;
    const changed = new Set<string>();
    const deleted = new Map<string, string>();
    const entries = this.sql.feedAfter.all(commitSeq, -1).map(decodeEntry);
    for (const entry of entries) {
      for (const id of [...entry.started, ...entry.updated]) changed.add(id);
      for (const [id, runOwner] of entry.deleted) deleted.set(id, runOwner);
    }
    const runs: AgentRun[] = [];
    for (const id of changed) {
      if (deleted.has(id)) continue;
      const row = this.sql.getById.get(id);
      if (row && (owner === undefined || row.owner === owner)) runs.push(toAgentRun(rowToRecord(row)));
    }
    const gone = [...deleted]
      .filter(([, runOwner]) => owner === undefined || runOwner === owner)
      .map(([id, runOwner]) => ({ id, owner: runOwner }));
    return { commitSeq: newest, runs, deleted: gone, notifications: notificationsOf(entries, owner) };
  }

  watchCommits(wake: () => void, intervalMs: number): () => void {
    return watchDataVersion(this.db, wake, intervalMs);
  }

  async sweepCompleted(before: number): Promise<number> {
    let total = 0;
    // Small transactions, so a large sweep never holds the write lock for long.
    for (;;) {
      const deleted = await writeWhenFree(this.db, () =>
        this.db
          .transaction(() => {
            const expired = this.sql.expired.all(before, 1000);
            for (const { id } of expired) {
              this.sql.deleteHistory.run(id);
              this.sql.delete.run(id);
              this.local.forget(id);
            }
            // A swept child leaves its parent's totals, as a deleted one does (the parent's percent follows at its next roll-up).
            for (const [parentId, removed] of sharesByParent(expired)) {
              const parent = this.sql.totals.get(parentId);
              if (!parent) continue;
              const totals = adjustTotals(totalsOf(parent.child_weight, parent.child_done), NO_CHILDREN, removed);
              this.sql.setTotals.run(String(totals.weight), String(totals.done), parentId);
              this.local.forget(parentId);
            }
            return expired.length;
          })
          .immediate(),
      );
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  async close(): Promise<void> {
    await this.thread?.close();
    if (this.db.open) this.db.close();
  }
}

interface ExpiredRow {
  id: string;
  parent_id: string | null;
  percent: number | null;
  status: string;
  metadata: string;
}

function prepareStatements(db: SqliteDatabaseLike) {
  const select = `SELECT ${RUN_COLUMNS} FROM progress_runs`;
  return {
    getById: db.prepare<RunRow>(`${select} WHERE id = ?`),
    get: db.prepare<RunRow>(`${select} WHERE id = ? AND owner = ?`),
    exists: db.prepare<{ one: number }>("SELECT 1 AS one FROM progress_runs WHERE id = ? AND owner = ?"),
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
    feedAfter: db.prepare<ChangeLogEntry>(
      "SELECT seq, writer, at, started, updated, deleted, status_updates, notifications FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
    ),
    countActive: db.prepare<{ n: number }>(
      "SELECT count(*) AS n FROM progress_runs INDEXED BY progress_runs_running WHERE status = 'running'",
    ),
    countAttention: db.prepare<{ action_required: number | null; stale: number | null }>(
      `SELECT sum(state = 'action_required') AS action_required, sum(stale_since IS NOT NULL) AS stale
       FROM progress_runs INDEXED BY progress_runs_running WHERE status = 'running'`,
    ),
    // An index-only scan: the silent-runs index holds heartbeat_at of running rows alone.
    activeHeartbeats: db.prepare<{ heartbeat_at: number }>(
      "SELECT heartbeat_at FROM progress_runs INDEXED BY progress_runs_silent WHERE status = 'running'",
    ),
    running: db.prepare<RunRow>(
      `${select} INDEXED BY progress_runs_running WHERE status = 'running' AND id > ? ORDER BY id LIMIT ?`,
    ),
    silent: db.prepare<{ id: string }>(
      `SELECT id FROM progress_runs INDEXED BY progress_runs_silent
       WHERE status = 'running' AND heartbeat_at < ? ORDER BY heartbeat_at LIMIT ?`,
    ),
    maxSeq: db.prepare<{ seq: number | null }>("SELECT max(seq) AS seq FROM change_log"),
    minSeq: db.prepare<{ seq: number | null }>("SELECT min(seq) AS seq FROM change_log"),
    expired: db.prepare<ExpiredRow>(
      `SELECT id, parent_id, percent, status, metadata FROM progress_runs
       WHERE completed_at IS NOT NULL AND completed_at < ? LIMIT ?`,
    ),
    totals: db.prepare<{ child_weight: string; child_done: string }>(
      "SELECT child_weight, child_done FROM progress_runs WHERE id = ?",
    ),
    setTotals: db.prepare("UPDATE progress_runs SET child_weight = ?, child_done = ? WHERE id = ?"),
  };
}
