import { z } from "zod";
import { type FirstDiagnostic, parseInput, type RunPatch } from "../core/index.js";
import type { BatchResult, Commit, OpOutcome, RunOp, RunStore } from "../store/index.js";

interface Waiter {
  resolve: (outcome: OpOutcome) => void;
  reject: (error: unknown) => void;
}

interface Pending extends Waiter {
  op: RunOp;
  /** Callers whose updates were folded into this one while it waited. */
  folded?: Waiter[];
}

export interface GroupCommitOptions {
  /** Most ops in one transaction. (Default: 10000) */
  maxBatchSize: number;
  /**
   * Most row bytes (metadata text) one transaction should write, as measured
   * on recent batches: every reader of the change feed holds a commit's runs
   * until it is published, so large commits cost each of them memory. (Default: 512 KiB)
   */
  maxBatchBytes: number;
  /** Fold a plain update into one still queued for the same run. (Default: true) */
  coalesceUpdates: boolean;
  clock: () => number;
  /** Each committed batch, once its callers are resolved. */
  onCommit: (commit: Commit) => void;
  /** Each committed batch: its size, time, and the diagnostics it set for the first time. */
  onBatch: (size: number, durationMs: number, firstDiagnostics: readonly FirstDiagnostic[]) => void;
}

const positiveWhole = z
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number" })
  .min(1, { error: "must be at least 1" });
const batchLimitsSchema = z.object({ maxBatchSize: positiveWhole, maxBatchBytes: positiveWhole });

/** The batch limits with their defaults filled in, checked: a ValidationError names the option. */
export function resolveBatchLimits(
  options: { maxBatchSize?: number; maxBatchBytes?: number },
  defaults: { maxBatchSize: number; maxBatchBytes: number },
): { maxBatchSize: number; maxBatchBytes: number } {
  const limits = {
    maxBatchSize: options.maxBatchSize ?? defaults.maxBatchSize,
    maxBatchBytes: options.maxBatchBytes ?? defaults.maxBatchBytes,
  };
  return parseInput(batchLimitsSchema, limits, "options");
}

/**
 * Group commit: ops that arrive while a transaction is being prepared or
 * committed wait and go together in the next one. Every promise settles:
 * resolved after its transaction committed, rejected when it failed. What a
 * batch committed goes to `onCommit` after its callers are resolved, in the
 * same tick, so their code resumes after subscribers heard of it.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private submitted = 0;
  private settled = 0;
  private readonly drains: Array<{ until: number; wake: () => void }> = [];
  /** The queued (not yet sent) plain update of each run, for folding. */
  private readonly queuedUpdates = new Map<string, Pending>();
  /** Row bytes an op wrote on recent batches (a moving average that rises at once); 0 until a batch wrote rows. */
  private bytesPerOp = 0;

  constructor(
    private readonly store: RunStore,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(op: RunOp): Promise<OpOutcome> {
    this.submitted++;
    return new Promise<OpOutcome>((resolve, reject) => {
      const key = this.options.coalesceUpdates ? foldKey(op) : undefined;
      const queued = key === undefined ? undefined : this.queuedUpdates.get(key);
      if (queued && queued.op.kind === "update" && op.kind === "update") {
        // Write shaping: a run written faster than the store commits gets its waiting updates folded into
        // one (one version, one event); each caller still resolves after the commit, with the run as written.
        queued.op = { ...queued.op, patch: foldPatches(queued.op.patch, op.patch) };
        queued.folded ??= [];
        queued.folded.push({ resolve, reject });
        return;
      }
      const pending: Pending = { op, resolve, reject };
      if (key !== undefined) this.queuedUpdates.set(key, pending);
      this.queue.push(pending);
      this.schedule();
    });
  }

  /** Batches sent to the store and not yet answered. */
  get batchesOut(): number {
    return this.inFlight;
  }

  /** Resolves once every op submitted before the call has settled (later ones are not waited for). */
  drain(): Promise<void> {
    if (this.settled >= this.submitted) return Promise.resolve();
    return new Promise<void>((wake) => this.drains.push({ until: this.submitted, wake }));
  }

  private schedule(): void {
    const depth = this.store.pipelineDepth;
    if (this.scheduled || this.inFlight >= depth || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers resuming from the previous batch get to enqueue first.
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0) return;
      this.inFlight++;
      void this.flush(this.takeBatch(depth)).finally(() => {
        this.inFlight--;
        this.schedule();
      });
      this.schedule();
    });
  }

  /**
   * With a pipelined store and nothing out, half the queue goes now and half
   * right behind it: callers that wait for their write before the next one
   * then form two groups that take turns, one being handled while the other commits.
   */
  private takeBatch(depth: number): Pending[] {
    const byBytes =
      this.bytesPerOp > 0 ? Math.max(1, Math.floor(this.options.maxBatchBytes / this.bytesPerOp)) : Infinity;
    let size = Math.min(this.queue.length, this.options.maxBatchSize, byBytes);
    if (depth > 1 && this.inFlight === 1 && size >= 64) size = Math.ceil(size / 2);
    const batch = size === this.queue.length ? this.queue : this.queue.slice(0, size);
    this.queue = batch === this.queue ? [] : this.queue.slice(size);
    if (this.queuedUpdates.size > 0) {
      for (const pending of batch) {
        const key = foldKey(pending.op);
        if (key !== undefined && this.queuedUpdates.get(key) === pending) this.queuedUpdates.delete(key);
      }
    }
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let result: BatchResult;
    try {
      result = await this.store.applyBatch(
        batch.map((pending) => pending.op),
        this.options.clock(),
      );
    } catch (error) {
      let settled = 0;
      for (const pending of batch) {
        for (const waiter of [pending, ...(pending.folded ?? [])]) waiter.reject(error);
        settled += 1 + (pending.folded?.length ?? 0);
      }
      this.onSettled(settled);
      return;
    }
    if (result.rowBytes > 0) {
      // Larger rows count at once, smaller ones little by little: one batch of small ones says little of the next.
      const perOp = result.rowBytes / batch.length;
      this.bytesPerOp = Math.max(perOp, this.bytesPerOp * 0.7 + perOp * 0.3);
    }
    let settled = 0;
    for (let i = 0; i < batch.length; i++) {
      const pending = batch[i] as Pending;
      const outcome = result.outcomes[i] as OpOutcome;
      pending.resolve(outcome);
      for (const waiter of pending.folded ?? []) waiter.resolve(outcome);
      settled += 1 + (pending.folded?.length ?? 0);
    }
    this.onSettled(settled);
    // Hooks must not strand anyone: callers are resolved already, and failures are reported by the hooks' owner.
    if (result.commit) this.options.onCommit(result.commit);
    this.options.onBatch(batch.length, performance.now() - started, result.firstDiagnostics);
  }

  private onSettled(count: number): void {
    this.settled += count;
    for (let i = this.drains.length - 1; i >= 0; i--) {
      const waiter = this.drains[i];
      if (waiter && this.settled >= waiter.until) {
        this.drains.splice(i, 1);
        waiter.wake();
      }
    }
  }
}

/**
 * Which queued op an update may fold into: plain progress (percent, step,
 * title, state) of one run. Metadata merges, status changes and every other
 * kind of write keep their own op, so a terminal write is never folded away.
 */
function foldKey(op: RunOp): string | undefined {
  if (op.kind !== "update") return undefined;
  const { patch } = op;
  if (patch.metadata !== undefined || patch.status !== undefined) return undefined;
  return `${op.owner}\0${op.id}`;
}

/** `later` applied on top of `earlier`: a field the later patch leaves out (or undefined) keeps the earlier value. */
function foldPatches(earlier: RunPatch, later: RunPatch): RunPatch {
  const folded: Record<string, unknown> = { ...earlier };
  for (const [field, value] of Object.entries(later)) if (value !== undefined) folded[field] = value;
  return folded as RunPatch;
}
