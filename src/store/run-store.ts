import type {
  AgentRun,
  CompleteOptions,
  DiagnosticsReport,
  FirstDiagnostic,
  HistoryPoint,
  ListRunsOptions,
  Notification,
  NotificationRecord,
  RunCounts,
  RunPatch,
  RunRecord,
  StartRunInput,
  StatusUpdateInput,
  TerminalStatus,
} from "../core/index.js";
import type { Commit, FeedPage, RunChange } from "./change-feed.js";

/** One write, as the group-commit writer hands it to the store. Inputs are validated already. */
export type RunOp =
  | { kind: "start"; id: string; input: StartRunInput }
  | { kind: "update"; id: string; owner: string; patch: RunPatch }
  | { kind: "complete"; id: string; owner: string; status: TerminalStatus; options: CompleteOptions }
  | { kind: "heartbeat"; id: string; owner: string }
  | { kind: "cancel"; id: string; owner: string }
  | { kind: "status"; id: string; owner: string; update: StatusUpdateInput }
  /** A client's report on the run it shows (its first paint of the text); no sign of life. */
  | { kind: "diagnostics"; id: string; owner: string; report: DiagnosticsReport }
  /** The watchdog's look at a silent run (any owner's): stale past one threshold, failed as abandoned past the other. */
  | { kind: "watch"; id: string; staleAfterMs: number; abandonAfterMs: number }
  | { kind: "delete"; id: string; owner: string }
  /** A notification for `owner`, on the change feed like any run change. `id` is the notification's. */
  | { kind: "notify"; id: string; owner: string; notification: NotificationRecord };

/**
 * What became of one op. `not_found` covers another owner's run too: the two
 * are indistinguishable on purpose. `terminal` carries the run so callers can
 * say "already succeeded".
 */
export type OpOutcome =
  /** `notification`: what a notify op created (null when its dedupe key was taken already). */
  | { ok: true; run: AgentRun | null; notification?: Notification | null }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "conflict"; id: string }
  | { ok: false; reason: "terminal"; run: AgentRun }
  | { ok: false; reason: "invalid"; error: Error };

export interface BatchResult {
  outcomes: OpOutcome[];
  /** What the batch committed to the change feed; null when it changed nothing. */
  commit: Commit | null;
  /** Diagnostics the batch set for the first time, each once (what the metrics observe). */
  firstDiagnostics: FirstDiagnostic[];
  /** Metadata text of the rows it wrote: what following its commit costs a reader (the writer sizes batches by it). */
  rowBytes: number;
}

/** What changed after a commit sequence: current state of changed runs, and deletions. */
export interface ChangeSet {
  /** The newest commit sequence covered. */
  commitSeq: number;
  runs: AgentRun[];
  deleted: Array<{ id: string; owner: string }>;
  /** Notifications created after `commitSeq` (the owner's, when one was given), oldest first, with their commit. */
  notifications: Array<{ seq: number; notification: Notification }>;
}

export interface RunStoreStats {
  batches: number;
  ops: number;
  rowWrites: number;
  /** Run rows batches read from the database (rows a batch found in its cache are not counted). */
  rowReads: number;
}

/** The one interface over run persistence. Every backend passes `test/store/store-contract.ts`. */
export interface RunStore {
  readonly dialect: "sqlite" | "postgres";
  /** Applies ops in order in one transaction; resolves after commit. */
  applyBatch(ops: readonly RunOp[], now: number): Promise<BatchResult>;
  getRun(id: string, owner: string): Promise<AgentRun | null>;
  listRuns(owner: string, options: ListRunsOptions): Promise<AgentRun[]>;
  /** How many of the owner's runs (title containing `q`, when given) there are, in all and per status. */
  countRuns(owner: string, options?: { q?: string }): Promise<RunCounts>;
  listHistory(id: string, owner: string, limit?: number): Promise<HistoryPoint[] | null>;
  /** Runs whose status is running, across all owners (for metrics). */
  countActive(): Promise<number>;
  /** Running runs (any owner's) that need a person: waiting for one, or stale. */
  countAttention(): Promise<{ action_required: number; stale: number }>;
  /** The last sign of life (`heartbeatAt`, epoch ms) of every running run, any owner's (for metrics). */
  listActiveHeartbeats(): Promise<number[]>;
  /**
   * Running runs of every owner, by id, after `afterId` ("" for the first page), at most `limit`:
   * automations re-check time conditions over them on a timer.
   */
  listRunning(afterId: string, limit: number): Promise<AgentRun[]>;
  /** Ids of running runs (any owner's) with no sign of life since `before`, longest silent first. */
  listSilentRuns(before: number, limit: number): Promise<string[]>;
  /** Newest commit sequence, for resume tokens. */
  currentCommitSeq(): Promise<number>;
  /** Commits after `afterSeq`, oldest first, at most `limit`. */
  readFeed(afterSeq: number, limit: number): Promise<FeedPage>;
  /** Changes after `commitSeq` folded per run, or null when that point is older than the retained log. */
  changesSince(commitSeq: number, owner?: string): Promise<ChangeSet | null>;
  /**
   * Calls `wake` soon after any connection may have committed (SQLite:
   * `PRAGMA data_version`; PostgreSQL: LISTEN). Only a hint to read the feed.
   */
  watchCommits(wake: () => void, intervalMs: number): () => void;
  /** Deletes completed runs (and their history) that completed before `before`; returns how many. */
  sweepCompleted(before: number): Promise<number>;
  readonly stats: RunStoreStats;
  /** How many batches may be out at once; more than 1 lets the next batch form while one commits. (Default: 1) */
  readonly pipelineDepth: number;
  close(): Promise<void>;
}

export type { Commit, FeedPage, HistoryPoint, RunChange, RunRecord };
