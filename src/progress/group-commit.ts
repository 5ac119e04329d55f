import type { BatchResult, Commit, OpOutcome, RunOp, RunStore } from "../store/index.js";

interface Pending {
  op: RunOp;
  resolve: (outcome: OpOutcome) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most ops in one transaction. (Default: 10000) */
  maxBatchSize: number;
  clock: () => number;
  /** Each committed batch, once its callers are resolved. */
  onCommit: (commit: Commit) => void;
  onBatch: (size: number, durationMs: number) => void;
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

  constructor(
    private readonly store: RunStore,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(op: RunOp): Promise<OpOutcome> {
    this.submitted++;
    return new Promise<OpOutcome>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
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
    let size = Math.min(this.queue.length, this.options.maxBatchSize);
    if (depth > 1 && this.inFlight === 1 && size >= 64) size = Math.ceil(size / 2);
    const batch = size === this.queue.length ? this.queue : this.queue.slice(0, size);
    this.queue = batch === this.queue ? [] : this.queue.slice(size);
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
      for (const pending of batch) pending.reject(error);
      this.onSettled(batch.length);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]?.resolve(result.outcomes[i] as OpOutcome);
    this.onSettled(batch.length);
    // Hooks must not strand anyone: callers are resolved already, and failures are reported by the hooks' owner.
    if (result.commit) this.options.onCommit(result.commit);
    this.options.onBatch(batch.length, performance.now() - started);
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
