import { uuidv7 } from "uuidv7";
import { type EventBus, type EventListener, InProcessBus } from "../bus/index.js";
import {
  type AgentRun,
  type CompleteOptions,
  type ListRunsOptions,
  type RunPatch,
  type StartRunInput,
  type TerminalStatus,
  validateCompleteOptions,
  validateListOptions,
  validateOwner,
  validatePatch,
  validateRunId,
  validateStart,
  validateTerminalStatus,
} from "../core/index.js";
import {
  DEFAULT_DATABASE_PATH,
  type HistoryPoint,
  type OpenStoreOptions,
  type OpOutcome,
  openStore,
  type RunStore,
} from "../store/index.js";
import { GroupCommitWriter } from "./group-commit.js";

export interface ProgressOptions {
  /** A file path or `sqlite:` URL. (Default: $HEADWAY_DATABASE_URL, else `.headway/headway.db`) */
  databaseUrl?: string;
  /** A store you opened yourself; `databaseUrl` is then ignored. Closed by `close()` unless `ownsStore` is false. */
  store?: RunStore;
  ownsStore?: boolean;
  /** Options for the store `databaseUrl` opens. */
  storeOptions?: OpenStoreOptions;
  /** Where committed changes are published. (Default: a new in-process bus) */
  bus?: EventBus;
  /** Also publish changes other processes commit to the same database (servers want this). (Default: false) */
  followExternalWrites?: boolean;
  /** Most ops per transaction. (Default: 10000) */
  maxBatchSize?: number;
  /** Completed runs older than this are deleted by the retention sweep, in ms. (Default: 30 days) */
  retentionMs?: number;
  /** How often the retention sweep runs, in ms; 0 turns it off. (Default: 1 hour) */
  sweepIntervalMs?: number;
  clock?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The outcome of a write, for layers that must say why nothing changed (tool, HTTP). */
export type WriteOutcome = OpOutcome;

/**
 * One Headway instance: a store, a bus and the group-commit writer between
 * them. The module functions of `headway/progress` use a default instance;
 * create your own for explicit configuration and tests.
 */
export class Progress {
  readonly store: RunStore;
  readonly bus: EventBus;
  private readonly writer: GroupCommitWriter;
  private readonly ownsStore: boolean;
  private readonly stopFollowing: (() => void) | undefined;
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  readonly retentionMs: number;
  private readonly clock: () => number;
  /** Sizes of recent write batches, for metrics. */
  onBatch: ((size: number) => void) | undefined;

  constructor(options: ProgressOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.store =
      options.store ??
      openStore(options.databaseUrl ?? process.env.HEADWAY_DATABASE_URL ?? DEFAULT_DATABASE_PATH, options.storeOptions);
    this.ownsStore = options.store ? options.ownsStore !== false : true;
    this.bus = options.bus ?? new InProcessBus();
    this.writer = new GroupCommitWriter(
      this.store,
      this.bus,
      { maxBatchSize: options.maxBatchSize ?? 10_000, clock: this.clock },
      (size) => this.onBatch?.(size),
    );
    if (options.followExternalWrites && this.store.watchExternalChanges) {
      this.stopFollowing = this.store.watchExternalChanges((events) => this.bus.publish(events));
    }
    this.retentionMs = options.retentionMs ?? 30 * DAY_MS;
    const sweepEvery = options.sweepIntervalMs ?? 60 * 60 * 1000;
    if (sweepEvery > 0) {
      this.sweepTimer = setInterval(() => {
        this.sweep().catch((error) => console.error("[headway] retention sweep failed:", error));
      }, sweepEvery);
      this.sweepTimer.unref();
    }
  }

  async startRun(input: StartRunInput): Promise<AgentRun> {
    const outcome = await this.writer.submit({ kind: "start", id: uuidv7(), input: validateStart(input) });
    if (outcome.ok && outcome.run) return outcome.run;
    throw outcome.ok || outcome.reason !== "invalid" ? new Error("start failed") : outcome.error;
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
    return runOrNull(await this.writer.submit({ kind: "heartbeat", ...this.target(id, owner) }));
  }

  async requestCancel(id: string, owner: string): Promise<AgentRun | null> {
    return runOrNull(await this.tryCancel(id, owner));
  }

  async deleteRun(id: string, owner: string): Promise<boolean> {
    const outcome = await this.writer.submit({ kind: "delete", ...this.target(id, owner) });
    return outcome.ok;
  }

  async getRun(id: string, owner: string): Promise<AgentRun | null> {
    const target = this.target(id, owner);
    return this.store.getRun(target.id, target.owner);
  }

  async listRuns(owner: string, options?: ListRunsOptions): Promise<AgentRun[]> {
    return this.store.listRuns(validateOwner(owner), validateListOptions(options));
  }

  /** The run's bounded history of steps and percents, oldest first; null when not found. */
  async getRunHistory(id: string, owner: string, limit?: number): Promise<HistoryPoint[] | null> {
    const target = this.target(id, owner);
    return this.store.listHistory(target.id, target.owner, limit);
  }

  /** Like updateRunProgress, but says why nothing changed. */
  tryUpdate(id: string, owner: string, patch: RunPatch): Promise<WriteOutcome> {
    return this.writer.submit({
      kind: "update",
      id: validateRunId(id),
      owner: validateOwner(owner),
      patch: validatePatch(patch),
    });
  }

  /** Like completeRun, but says why nothing changed. */
  tryComplete(id: string, owner: string, status: TerminalStatus, options?: CompleteOptions): Promise<WriteOutcome> {
    return this.writer.submit({
      kind: "complete",
      ...this.target(id, owner),
      status: validateTerminalStatus(status),
      options: validateCompleteOptions(options),
    });
  }

  /** Like requestCancel, but says why nothing changed. */
  tryCancel(id: string, owner: string): Promise<WriteOutcome> {
    return this.writer.submit({ kind: "cancel", ...this.target(id, owner) });
  }

  /** Listens to committed changes; pass `owner` to hear only that owner's runs. */
  subscribe(listener: EventListener, options?: { owner?: string }): () => void {
    return this.bus.subscribe(listener, options);
  }

  /** Deletes completed runs older than the retention period; returns how many. */
  sweep(): Promise<number> {
    return this.store.sweepCompleted(this.clock() - this.retentionMs);
  }

  /** Resolves once every write submitted so far is committed. */
  flush(): Promise<void> {
    return this.writer.drain();
  }

  /** Flushes pending writes, stops timers and closes the store. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweepTimer);
      this.stopFollowing?.();
      await this.writer.drain();
      if (this.ownsStore) await this.store.close();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
