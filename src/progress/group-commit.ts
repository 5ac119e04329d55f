import type { EventBus } from "../bus/index.js";
import type { OpOutcome, RunOp, RunStore } from "../store/index.js";

interface Pending {
  op: RunOp;
  resolve: (outcome: OpOutcome) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most ops in one transaction. (Default: 10000) */
  maxBatchSize: number;
  clock: () => number;
}

/**
 * Group commit: ops that arrive while a transaction is being prepared or
 * committed wait and go together in the next one. Every promise resolves only
 * after its transaction committed; events are published after the commit and
 * before callers resume, in the order the store produced them.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: RunStore,
    private readonly bus: EventBus,
    private readonly options: GroupCommitOptions,
    private readonly onBatch?: (size: number) => void,
  ) {}

  submit(op: RunOp): Promise<OpOutcome> {
    return new Promise<OpOutcome>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once everything submitted so far is committed. */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    const depth = this.store.pipelineDepth ?? 1;
    if (this.scheduled || this.inFlight >= depth || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers resuming from the previous batch get to enqueue first.
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0) return this.wakeIfIdle();
      this.inFlight++;
      void this.flush(this.takeBatch(depth)).finally(() => {
        this.inFlight--;
        this.schedule();
        this.wakeIfIdle();
      });
      this.schedule();
    });
  }

  /**
   * With a pipelined store and nothing out, half the queue goes now and half
   * right behind it: callers that wait for their write before the next one
   * then form two groups that take turns, one being planned while the other commits.
   */
  private takeBatch(depth: number): Pending[] {
    let size = Math.min(this.queue.length, this.options.maxBatchSize);
    if (depth > 1 && this.inFlight === 1 && size >= 64) size = Math.ceil(size / 2);
    const batch = size === this.queue.length ? this.queue : this.queue.slice(0, size);
    this.queue = batch === this.queue ? [] : this.queue.slice(size);
    return batch;
  }

  private wakeIfIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const ops = batch.map((pending) => pending.op);
    let result: Awaited<ReturnType<RunStore["applyBatch"]>>;
    try {
      result = await this.store.applyBatch(ops, this.options.clock(), { events: this.bus.listenerCount > 0 });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.onBatch?.(batch.length);
    this.bus.publish(result.events);
    for (let i = 0; i < batch.length; i++) batch[i]?.resolve(result.outcomes[i] as OpOutcome);
  }
}
