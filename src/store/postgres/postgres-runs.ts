import { createHash, randomUUID } from "node:crypto";
import { type AgentRun, type ListRunsOptions, type RunCounts, toAgentRun } from "../../core/index.js";
import type { PlanOptions } from "../batch-plan.js";
import { commitsOf, type FeedPage, notificationsOf } from "../change-feed.js";
import { type ChildRow, sharesByParent } from "../child-totals.js";
import type { BatchResult, ChangeSet, HistoryPoint, RunOp, RunStore, RunStoreStats } from "../run-store.js";
import { PgBatchWriter, type PgBatchWriterOptions } from "./postgres-batch.js";
import type { PgClientLike } from "./postgres-driver.js";
import { readAllAfter, readPageAfter } from "./postgres-feed.js";
import { type HistoryRow, historyRowToPoint, RUN_COLUMNS, type RunRow, rowToRecord } from "./postgres-rows.js";
import { countRuns, listRuns } from "./postgres-run-queries.js";
import type { Transactor } from "./postgres-transactor.js";
import { CommitWatch } from "./postgres-wakeup.js";

export interface PostgresStoreOptions extends Partial<PlanOptions> {
  /** Commits kept in the change log that followers and SSE resumes read. (Default: 50000) */
  changeLogLimit?: number;
  /** History points kept per run, while it runs and after. (Default: 200) */
  historyLimit?: number;
  /**
   * How often to read the newest commit sequence behind LISTEN, in ms: NOTIFY
   * is a hint that can be lost, this poll is the floor. (Default: 500)
   */
  pollIntervalMs?: number;
}

/** What the store needs from its backend: the pool, a way to open the LISTEN connection, and the schema once ready. */
export interface PostgresRunStoreParts {
  client: PgClientLike;
  /** Where write batches run, one transaction at a time. */
  transactor: Transactor;
  /** A one-connection client for LISTEN, with the handlers wired. */
  openListener: (handlers: { onnotify: (channel: string) => void; onclose: () => void }) => PgClientLike;
  /** The migrated schema's name; every method waits for it. */
  ready: Promise<string>;
}

const GET = `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE id = $1 AND owner = $2`;
const SEQ_RANGE = "SELECT coalesce(min(seq), 0) AS oldest, coalesce(max(seq), 0) AS newest FROM change_log";
const COUNTER = "SELECT seq FROM headway_feed_counter";
// The sweep changes parents' child totals, which batches read and write back whole: it holds the
// feed counter's row lock, as a batch does, so no batch is between its read and its write meanwhile.
const LOCK_COUNTER = "SELECT seq FROM headway_feed_counter FOR UPDATE";
// A batch of expired runs (and their history), returning what they added to their parents.
const SWEEP = `WITH gone AS (
    DELETE FROM progress_runs WHERE id IN (
      SELECT id FROM progress_runs WHERE completed_at IS NOT NULL AND completed_at < $1 LIMIT 1000
      FOR UPDATE SKIP LOCKED)
    RETURNING id, parent_id, percent, status, metadata),
  history AS (DELETE FROM run_history WHERE run_id IN (SELECT id FROM gone))
  SELECT parent_id, percent, status, metadata FROM gone`;
// Swept children leave their parents' totals (exact: numeric arithmetic on the stored integers).
const REMOVE_SHARES = `UPDATE progress_runs p
  SET child_weight = (p.child_weight::numeric - x.weight::numeric)::text,
      child_done = (p.child_done::numeric - x.done::numeric)::text
  FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, weight text, done text) WHERE p.id = x.id`;

/**
 * The scale-out store: runs, history and the change feed in PostgreSQL,
 * shared by every Headway process on the database. Writes run as whole
 * batches in one transaction each (see PgBatchWriter for the commit order).
 */
export class PostgresRunStore implements RunStore {
  readonly dialect = "postgres" as const;
  /** Tags this store's change-log entries. */
  readonly writerId = randomUUID();
  /** One batch at a time: the feed counter's lock serializes batches anyway. */
  readonly pipelineDepth = 1;
  private readonly client: PgClientLike;
  private readonly writer: PgBatchWriter;
  private readonly ready: Promise<string>;
  private readonly watches = new Set<CommitWatch>();
  private readonly options: Required<PostgresStoreOptions>;
  private channel = "";

  constructor(
    private readonly parts: PostgresRunStoreParts,
    options: PostgresStoreOptions = {},
  ) {
    this.client = parts.client;
    this.options = {
      historyIntervalMs: options.historyIntervalMs ?? 1000,
      changeLogLimit: options.changeLogLimit ?? 50_000,
      historyLimit: options.historyLimit ?? 200,
      pollIntervalMs: options.pollIntervalMs ?? 500,
    };
    this.ready = parts.ready.then((schema) => {
      this.channel = channelOf(schema);
      return schema;
    });
    this.writer = new PgBatchWriter(parts.transactor, () => this.batchOptions());
  }

  get stats(): RunStoreStats {
    return this.writer.stats;
  }

  async applyBatch(ops: readonly RunOp[], now: number): Promise<BatchResult> {
    await this.ready;
    return this.writer.execute(ops, now);
  }

  async getRun(id: string, owner: string): Promise<AgentRun | null> {
    const [row] = await this.query<RunRow>(GET, [id, owner]);
    return row ? toAgentRun(rowToRecord(row)) : null;
  }

  async listRuns(owner: string, options: ListRunsOptions): Promise<AgentRun[]> {
    await this.ready;
    return listRuns(this.client, owner, options);
  }

  async countRuns(owner: string, options: { q?: string } = {}): Promise<RunCounts> {
    await this.ready;
    return countRuns(this.client, owner, options);
  }

  async listHistory(id: string, owner: string, limit = this.options.historyLimit): Promise<HistoryPoint[] | null> {
    const [exists] = await this.query("SELECT 1 AS one FROM progress_runs WHERE id = $1 AND owner = $2", [id, owner]);
    if (!exists) return null;
    const rows = await this.query<HistoryRow>(
      "SELECT version, at, type, percent, step, status, state FROM run_history WHERE run_id = $1 ORDER BY seq DESC LIMIT $2",
      [id, limit],
    );
    return rows.reverse().map(historyRowToPoint);
  }

  async countActive(): Promise<number> {
    const [row] = await this.query<{ n: number }>("SELECT count(*) AS n FROM progress_runs WHERE status = 'running'");
    return row?.n ?? 0;
  }

  async countAttention(): Promise<{ action_required: number; stale: number }> {
    const [row] = await this.query<{ action_required: number; stale: number }>(
      `SELECT count(*) FILTER (WHERE state = 'action_required') AS action_required,
              count(*) FILTER (WHERE stale_since IS NOT NULL) AS stale
       FROM progress_runs WHERE status = 'running'`,
    );
    return { action_required: row?.action_required ?? 0, stale: row?.stale ?? 0 };
  }

  async listActiveHeartbeats(): Promise<number[]> {
    const rows = await this.query<{ heartbeat_at: number }>(
      "SELECT heartbeat_at FROM progress_runs WHERE status = 'running'",
    );
    return rows.map((row) => row.heartbeat_at);
  }

  async listRunning(afterId: string, limit: number): Promise<AgentRun[]> {
    const rows = await this.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM progress_runs WHERE status = 'running' AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => toAgentRun(rowToRecord(row)));
  }

  async listSilentRuns(before: number, limit: number): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      "SELECT id FROM progress_runs WHERE status = 'running' AND heartbeat_at < $1 ORDER BY heartbeat_at LIMIT $2",
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  async currentCommitSeq(): Promise<number> {
    const [row] = await this.query<{ newest: number }>(SEQ_RANGE);
    return row?.newest ?? 0;
  }

  async readFeed(afterSeq: number, limit: number): Promise<FeedPage> {
    await this.ready;
    const feed = await readPageAfter(this.client, afterSeq, limit);
    const { entries } = feed;
    const more = feed.listed > entries.length;
    const ownSeqs = new Set(entries.filter((entry) => entry.writer === this.writerId).map((entry) => entry.seq));
    const commits = commitsOf(entries, (id) => feed.runs.get(id));
    return { commits, readAt: feed.newest, more, ownSeqs };
  }

  async changesSince(commitSeq: number, owner?: string): Promise<ChangeSet | null> {
    // The range first, cheaply: a cursor older than the log gets null without reading the whole log.
    const [range] = await this.query<{ oldest: number; newest: number }>(SEQ_RANGE);
    if (commitSeq >= (range?.newest ?? 0)) {
      return { commitSeq: range?.newest ?? 0, runs: [], deleted: [], notifications: [] };
    }
    if (!range?.oldest || commitSeq < range.oldest - 1) return null;
    const feed = await readAllAfter(this.client, commitSeq);
    if (!feed.oldest || commitSeq < feed.oldest - 1) return null;
    const { entries } = feed;
    const deleted = new Map<string, string>();
    for (const entry of entries) for (const [id, runOwner] of entry.deleted) deleted.set(id, runOwner);
    const runs: AgentRun[] = [];
    const listed = new Set<string>();
    for (const entry of entries) {
      for (const id of [...entry.started, ...entry.updated]) {
        const run = feed.runs.get(id);
        if (!run || listed.has(id) || deleted.has(id) || (owner !== undefined && run.owner !== owner)) continue;
        listed.add(id); // each run once, in the order it first changed
        runs.push(run);
      }
    }
    const gone = [...deleted]
      .filter(([, runOwner]) => owner === undefined || runOwner === owner)
      .map(([id, runOwner]) => ({ id, owner: runOwner }));
    return { commitSeq: feed.newest, runs, deleted: gone, notifications: notificationsOf(entries, owner) };
  }

  watchCommits(wake: () => void, intervalMs: number): () => void {
    let watch: CommitWatch | undefined;
    let stopped = false;
    void this.ready.then(
      () => {
        if (stopped) return;
        watch = new CommitWatch(this.parts.openListener, wake, {
          channel: this.channel,
          readSeq: () => this.readCounter(),
          pollMs: Math.max(intervalMs, this.options.pollIntervalMs),
          retryMs: 1000,
        });
        this.watches.add(watch);
      },
      () => {}, // the failure reaches the caller through every other method
    );
    return () => {
      stopped = true;
      if (watch) {
        this.watches.delete(watch);
        void watch.stop();
      }
    };
  }

  async sweepCompleted(before: number): Promise<number> {
    await this.ready;
    let total = 0;
    // Small transactions, so a large sweep never holds the counter (and so batches) for long.
    for (;;) {
      const deleted = await this.parts.transactor.run("ISOLATION LEVEL READ COMMITTED", async (sql) => {
        await sql.unsafe(LOCK_COUNTER);
        const gone = await sql.unsafe<ChildRow & Record<string, unknown>>(SWEEP, [before]);
        const shares = [...sharesByParent(gone)].map(([id, share]) => ({
          id,
          weight: String(share.weight),
          done: String(share.done),
        }));
        if (shares.length > 0) await sql.unsafe(REMOVE_SHARES, [JSON.stringify(shares)]);
        return gone.length;
      });
      total += deleted;
      if (deleted < 1000) return total;
    }
  }

  async close(): Promise<void> {
    const watches = [...this.watches];
    this.watches.clear();
    await Promise.all(watches.map((watch) => watch.stop()));
  }

  /** The LISTEN watches now open (tests look at them). */
  get commitWatches(): readonly CommitWatch[] {
    return [...this.watches];
  }

  private async readCounter(): Promise<number> {
    const [row] = await this.client.unsafe<{ seq: number }>(COUNTER);
    return row?.seq ?? 0;
  }

  private async query<Row extends Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]> {
    await this.ready;
    return this.client.unsafe<Row>(text, params);
  }

  private batchOptions(): PgBatchWriterOptions {
    return { ...this.options, writerId: this.writerId, channel: this.channel };
  }
}

/** The NOTIFY channel of a schema: one per schema, so schemas sharing a database do not wake each other. */
export function channelOf(schema: string): string {
  return `headway_feed_${createHash("sha256").update(schema).digest("hex").slice(0, 16)}`;
}
