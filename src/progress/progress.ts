import { EventEmitter } from "node:events";
import { uuidv7 } from "uuidv7";
import { type EventBus, type EventListener, InProcessBus } from "../bus/index.js";
import {
  type AgentRun,
  type CompleteOptions,
  createNotificationRecord,
  type DiagnosticsReport,
  type FirstDiagnostic,
  HeadwayError,
  type ListNotificationsOptions,
  type ListRunsOptions,
  type Notification,
  type NotificationPage,
  type NotifyInput,
  type RunPatch,
  type StartRunInput,
  type StatusUpdateInput,
  type TerminalStatus,
  validateCompleteOptions,
  validateDiagnosticsReport,
  validateListNotifications,
  validateListOptions,
  validateNotifyInput,
  validateOwner,
  validatePatch,
  validateRunId,
  validateStart,
  validateStatusUpdate,
  validateTerminalStatus,
} from "../core/index.js";
import {
  type Backend,
  DEFAULT_DATABASE_PATH,
  FEED_PAGE_BYTES,
  type HistoryPoint,
  type OpenBackendOptions,
  type OpOutcome,
  openBackend,
  type RunOp,
  type RunStore,
} from "../store/index.js";
import { Follower } from "./follower.js";
import { GroupCommitWriter, resolveBatchLimits } from "./group-commit.js";
import { type ResolvedWatchdog, resolveWatchdog, type WatchdogOptions, watchSilentRuns } from "./watchdog.js";

export interface ProgressOptions {
  /** A file path or `sqlite:` URL. (Default: $HEADWAY_DATABASE_URL, else `.headway/headway.db`) */
  databaseUrl?: string;
  /** A backend you opened yourself; `databaseUrl` is then ignored. Closed by `close()` unless `ownsBackend` is false. */
  backend?: Backend;
  ownsBackend?: boolean;
  /** Options for the backend `databaseUrl` opens. */
  storeOptions?: OpenBackendOptions;
  /** Where committed changes are published. (Default: a new in-process bus) */
  bus?: EventBus;
  /**
   * Also publish, as they happen, the commits other processes make to the
   * same database (servers want this). Without it they are published only
   * when a gap shows before one of this instance's own commits. (Default: false)
   */
  followExternalWrites?: boolean;
  /** How often to look for other processes' commits when following, in ms. (Default: 10) */
  followIntervalMs?: number;
  /** Most ops per transaction. (Default: 10000) */
  maxBatchSize?: number;
  /**
   * Most row bytes (metadata text) per transaction, as measured on recent
   * batches: each reader of the change feed (a server following this
   * process) holds a commit's runs until it is published. (Default: 524288)
   */
  maxBatchBytes?: number;
  /**
   * Write shaping: while a run's plain update (percent, step, title, state)
   * waits for the writer, another for the same run folds into it — one
   * version, one event — so an agent writing thousands of updates a second
   * to one run cannot flood the store or the stream. Metadata, status and
   * completion writes are never folded. (Default: true)
   */
  coalesceUpdates?: boolean;
  /** Completed runs older than this are deleted by the retention sweep, in ms. (Default: 30 days) */
  retentionMs?: number;
  /** How often the retention sweep runs, in ms; 0 turns it off. (Default: 1 hour) */
  sweepIntervalMs?: number;
  /**
   * Watch for silent runs: stale after `staleAfterMs`, failed as abandoned
   * after `abandonAfterMs` (per run: `metadata.staleAfterMs`/`abandonAfterMs`).
   * Servers want this; `true` takes the defaults. (Default: false)
   */
  watchdog?: boolean | WatchdogOptions;
  clock?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The outcome of a write, for layers that must say why nothing changed (tool, HTTP). */
export type WriteOutcome = OpOutcome;

/** A write or read on an instance that is closing or closed. */
export class HeadwayClosedError extends HeadwayError {
  constructor() {
    super("closed", "this Headway instance is closed: create a new one to write");
    this.name = "HeadwayClosedError";
  }
}

/** A caller-chosen id that is taken. */
export class RunConflictError extends HeadwayError {
  constructor(id: string) {
    super("conflict", `id: a run with id "${id}" already exists`);
    this.name = "RunConflictError";
  }
}

/**
 * Typed events of an instance. Background failures land here, never as
 * unhandled rejections; with no listener they are written to stderr.
 */
export interface ProgressEventMap {
  /**
   * A write batch committed: its size, how long it took, and the diagnostics
   * it set for the first time (each value is in exactly one batch, of the
   * process that committed it: what the server's histograms observe).
   */
  batch: [info: { size: number; durationMs: number; firstDiagnostics: readonly FirstDiagnostic[] }];
  /** The store failed outside any caller's write (the writer thread died, say). */
  "store:error": [error: unknown];
  /** Reading the change feed failed; the next wake-up reads again. */
  "follow:error": [error: unknown];
  /** The retention sweep failed; the next one tries again. */
  "sweep:error": [error: unknown];
  /** The watchdog's look at silent runs failed; the next one tries again. */
  "watchdog:error": [error: unknown];
  /** A feed reader (built-in rules, automations, webhooks) failed; it reads the same commits again. */
  "rules:error": [error: unknown];
}

type BackgroundErrorEvent = "store:error" | "follow:error" | "sweep:error" | "watchdog:error" | "rules:error";

export type ProgressState = "open" | "closing" | "closed";

/**
 * One Headway instance: a backend, a bus, the group-commit writer in front
 * of the store and the follower that publishes the change feed. The module
 * functions of `headway/progress` use a default instance; create your own for
 * explicit configuration and tests.
 */
export class Progress extends EventEmitter<ProgressEventMap> {
  readonly backend: Backend;
  readonly bus: EventBus;
  private readonly writer: GroupCommitWriter;
  private readonly follower: Follower;
  private readonly ownsBackend: boolean;
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private readonly watchdogTimer: NodeJS.Timeout | undefined;
  /** The watchdog's thresholds, when it runs. */
  readonly watchdog: ResolvedWatchdog | undefined;
  private watching = false;
  /** Whether the follower knows where the feed stands; writes wait for it (see `submit`). */
  private started = false;
  private closing: Promise<void> | undefined;
  private lifecycle: ProgressState = "open";
  readonly retentionMs: number;
  private readonly clock: () => number;
  /** Resolves once the follower knows where the feed stands; writes wait for it. */
  readonly ready: Promise<void>;

  constructor(options: ProgressOptions = {}) {
    super();
    // Checked before anything is opened, so a bad option leaves nothing to close.
    const batchLimits = resolveBatchLimits(options, { maxBatchSize: 10_000, maxBatchBytes: FEED_PAGE_BYTES });
    this.clock = options.clock ?? Date.now;
    this.backend =
      options.backend ??
      openBackend(
        options.databaseUrl ?? process.env.HEADWAY_DATABASE_URL ?? DEFAULT_DATABASE_PATH,
        options.storeOptions,
      );
    this.ownsBackend = options.backend ? options.ownsBackend !== false : true;
    this.bus = options.bus ?? new InProcessBus();
    this.follower = new Follower(this.store, this.bus, {
      follow: options.followExternalWrites ?? false,
      intervalMs: options.followIntervalMs ?? 10,
      pageSize: 64,
      ownBatchesOut: () => this.writer.batchesOut > 0,
      onError: (error) => this.report("follow:error", error),
    });
    this.writer = new GroupCommitWriter(this.store, {
      ...batchLimits,
      coalesceUpdates: options.coalesceUpdates ?? true,
      clock: this.clock,
      onCommit: (commit) => this.follower.local(commit),
      onBatch: (size, durationMs, firstDiagnostics) => this.emit("batch", { size, durationMs, firstDiagnostics }),
    });
    this.ready = this.follower
      .start()
      .catch((error: unknown) => this.report("follow:error", error))
      .finally(() => {
        this.started = true;
      });
    if (options.watchdog) {
      this.watchdog = resolveWatchdog(options.watchdog === true ? {} : options.watchdog);
      this.watchdogTimer = setInterval(() => {
        this.checkSilentRuns().catch((error: unknown) => this.report("watchdog:error", error));
      }, this.watchdog.intervalMs);
      this.watchdogTimer.unref();
    }
    this.retentionMs = options.retentionMs ?? 30 * DAY_MS;
    const sweepEvery = options.sweepIntervalMs ?? 60 * 60 * 1000;
    if (sweepEvery > 0) {
      this.sweepTimer = setInterval(() => {
        this.sweep().catch((error: unknown) => this.report("sweep:error", error));
      }, sweepEvery);
      this.sweepTimer.unref();
    }
  }

  /**
   * Every commit after this sequence is published by this instance in commit order, or left out only
   * when it says nothing newer than what was published (see Follower). Undefined until `ready`.
   */
  get publishedAfter(): number | undefined {
    return this.follower.startedAfter;
  }

  /** The run store of the backend. */
  get store(): RunStore {
    return this.backend.runs;
  }

  /** open → closing (after `close()`: writes are refused, those already submitted finish) → closed. */
  get state(): ProgressState {
    return this.lifecycle;
  }

  async startRun(input: StartRunInput): Promise<AgentRun> {
    const valid = validateStart(input);
    const outcome = await this.submit({ kind: "start", id: valid.id ?? uuidv7(), input: valid });
    if (outcome.ok && outcome.run) return outcome.run;
    if (!outcome.ok && outcome.reason === "invalid") throw outcome.error;
    if (!outcome.ok && outcome.reason === "conflict") throw new RunConflictError(outcome.id);
    throw new HeadwayError("start_failed", "the run could not be started");
  }

  async updateRunProgress(id: string, owner: string, patch: RunPatch): Promise<AgentRun | null> {
    return runOrNull(await this.tryUpdate(id, owner, patch));
  }

  async completeRun(
    id: string,
    owner: string,
    status: TerminalStatus,
    options?: CompleteOptions,
  ): Promise<AgentRun | null> {
    return runOrNull(await this.tryComplete(id, owner, status, options));
  }

  async heartbeat(id: string, owner: string): Promise<AgentRun | null> {
    return runOrNull(await this.submit({ kind: "heartbeat", ...this.target(id, owner) }));
  }

  async requestCancel(id: string, owner: string): Promise<AgentRun | null> {
    return runOrNull(await this.tryCancel(id, owner));
  }

  async deleteRun(id: string, owner: string): Promise<boolean> {
    const outcome = await this.submit({ kind: "delete", ...this.target(id, owner) });
    return outcome.ok;
  }

  async getRun(id: string, owner: string): Promise<AgentRun | null> {
    const target = this.target(id, owner);
    this.assertReadable();
    return this.store.getRun(target.id, target.owner);
  }

  async listRuns(owner: string, options?: ListRunsOptions): Promise<AgentRun[]> {
    const valid = validateListOptions(options);
    this.assertReadable();
    return this.store.listRuns(validateOwner(owner), valid);
  }

  /** The run's bounded history of steps and percents, oldest first; null when not found. */
  async getRunHistory(id: string, owner: string, limit?: number): Promise<HistoryPoint[] | null> {
    const target = this.target(id, owner);
    this.assertReadable();
    return this.store.listHistory(target.id, target.owner, limit);
  }

  /** Like updateRunProgress, but says why nothing changed. */
  tryUpdate(id: string, owner: string, patch: RunPatch): Promise<WriteOutcome> {
    return this.submit({
      kind: "update",
      id: validateRunId(id),
      owner: validateOwner(owner),
      patch: validatePatch(patch),
    });
  }

  /** Like completeRun, but says why nothing changed. */
  tryComplete(id: string, owner: string, status: TerminalStatus, options?: CompleteOptions): Promise<WriteOutcome> {
    return this.submit({
      kind: "complete",
      ...this.target(id, owner),
      status: validateTerminalStatus(status),
      options: validateCompleteOptions(options),
    });
  }

  /**
   * Posts a status update: the run's step becomes `summary` (and its percent
   * `percent`, when given), and a `run.status.update` event follows the run's
   * own on the change feed. Null when the run is missing, another owner's or finished.
   */
  async postStatusUpdate(id: string, owner: string, update: StatusUpdateInput): Promise<AgentRun | null> {
    return runOrNull(
      await this.submit({ kind: "status", ...this.target(id, owner), update: validateStatusUpdate(update) }),
    );
  }

  /**
   * Records what a client measured about a run it shows: `firstTextToPaintMs`
   * (from the first text reaching the page to the frame that showed it) and
   * `submitToFirstTextMs` (when the run has none of its own). The first value
   * of each wins; a later one is kept out, and the run comes back as stored.
   * Not a sign of life: `updatedAt` and `heartbeatAt` stay. Null when the run
   * is missing or another owner's, and for a finished run, which is not
   * changed (`tryReportDiagnostics` says which).
   */
  async reportDiagnostics(id: string, owner: string, report: DiagnosticsReport): Promise<AgentRun | null> {
    return runOrNull(await this.tryReportDiagnostics(id, owner, report));
  }

  /** Like reportDiagnostics, but says why nothing changed. */
  tryReportDiagnostics(id: string, owner: string, report: DiagnosticsReport): Promise<WriteOutcome> {
    return this.submit({ kind: "diagnostics", ...this.target(id, owner), report: validateDiagnosticsReport(report) });
  }

  /** Like requestCancel, but says why nothing changed. */
  tryCancel(id: string, owner: string): Promise<WriteOutcome> {
    return this.submit({ kind: "cancel", ...this.target(id, owner) });
  }

  /**
   * Tells `owner` something: stored, then published as `notification.created`
   * on the change feed (SSE, webhooks, automations). With `runId`, the run must
   * be one of the owner's. With `dedupeKey`, a second notify with the same key
   * creates nothing and resolves to null, however many processes try.
   */
  async notify(owner: string, input: NotifyInput): Promise<Notification | null> {
    const valid = validateNotifyInput(input);
    const record = createNotificationRecord(uuidv7(), validateOwner(owner), valid, this.clock());
    const outcome = await this.submit({ kind: "notify", id: record.id, owner: record.owner, notification: record });
    if (!outcome.ok && outcome.reason === "invalid") throw outcome.error;
    if (!outcome.ok) throw new HeadwayError("notify_failed", "the notification could not be stored");
    return outcome.notification ?? null;
  }

  /** The owner's notifications, newest first, with the unread count. */
  async listNotifications(owner: string, options?: ListNotificationsOptions): Promise<NotificationPage> {
    const valid = validateListNotifications(options);
    this.assertReadable();
    return this.backend.notifications.list(validateOwner(owner), valid);
  }

  /** Marks one of the owner's notifications read; null when the owner has none with that id. */
  async markNotificationRead(owner: string, id: string): Promise<Notification | null> {
    const target = this.target(id, owner);
    this.assertReadable();
    return this.backend.notifications.markRead(target.owner, target.id, this.clock());
  }

  /** Marks all of the owner's notifications read; returns how many were unread. */
  async markAllNotificationsRead(owner: string): Promise<number> {
    const valid = validateOwner(owner);
    this.assertReadable();
    return this.backend.notifications.markAllRead(valid, this.clock());
  }

  /** Listens to committed changes; pass `owner` to hear only that owner's runs. */
  subscribe(listener: EventListener, options?: { owner?: string }): () => void {
    return this.bus.subscribe(listener, options);
  }

  /**
   * One look for silent runs (the watchdog does this on its timer): marks
   * stale, or completes as abandoned, whatever is due; returns how many runs it looked at.
   */
  async checkSilentRuns(thresholds: WatchdogOptions = this.watchdog ?? {}): Promise<number> {
    if (this.watching || this.lifecycle !== "open") return 0;
    this.watching = true;
    try {
      const resolved = resolveWatchdog(thresholds);
      const { staleAfterMs, abandonAfterMs } = resolved;
      return await watchSilentRuns(
        this.store,
        (id) => this.submit({ kind: "watch", id, staleAfterMs, abandonAfterMs }),
        resolved,
        this.clock(),
      );
    } finally {
      this.watching = false;
    }
  }

  /**
   * Deletes completed runs, notifications, and the automation episodes of runs no longer running,
   * older than the retention period; returns how many runs.
   */
  async sweep(): Promise<number> {
    const before = this.clock() - this.retentionMs;
    const [runs] = await Promise.all([
      this.store.sweepCompleted(before),
      this.backend.notifications.sweep(before),
      this.backend.automationState.sweep(before),
    ]);
    return runs;
  }

  /** Resolves once every write submitted so far has settled and its events were published. */
  async flush(): Promise<void> {
    await this.ready;
    await this.writer.drain();
    await this.follower.idle();
  }

  /**
   * Refuses new writes at once, lets those already submitted finish, stops
   * timers and the follower, and closes the backend. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lifecycle = "closing";
      clearInterval(this.sweepTimer);
      clearInterval(this.watchdogTimer);
      // Writes submitted before the follower's start-up read landed are queued behind it.
      await this.ready;
      await this.writer.drain();
      await this.follower.idle();
      this.follower.close();
      if (this.ownsBackend) await this.backend.close();
      this.lifecycle = "closed";
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Reads answer until the backend is closed (a closing instance still finishes its writes and reads). */
  private assertReadable(): void {
    if (this.lifecycle === "closed") throw new HeadwayClosedError();
  }

  private submit(op: RunOp): Promise<OpOutcome> {
    if (this.lifecycle !== "open") return Promise.reject(new HeadwayClosedError());
    if (this.started) return this.writer.submit(op);
    // The follower's starting point is read first: a commit of ours at or before it would be taken for
    // history and its events never published (PostgreSQL, whose start-up read waits for the migrations).
    // Callbacks run in the order they were added, so writes keep their order.
    return this.ready.then(() => this.writer.submit(op));
  }

  /** Emits a background failure; with nobody listening, says it on stderr rather than losing it. */
  report(event: BackgroundErrorEvent, error: unknown): void {
    if (this.listenerCount(event) > 0) this.emit(event, error);
    else console.error(`[headway] ${event}:`, error);
  }

  private target(id: string, owner: string): { id: string; owner: string } {
    return { id: validateRunId(id), owner: validateOwner(owner) };
  }
}

function runOrNull(outcome: OpOutcome): AgentRun | null {
  if (outcome.ok) return outcome.run;
  if (outcome.reason === "invalid") throw outcome.error;
  return null;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  return new Progress(options);
}
