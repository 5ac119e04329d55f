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
  private running: Promise<void> | null = null;
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
    if (this.queue.length === 0 && !this.running && !this.scheduled) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate, not a microtask: callers resuming from the previous batch get to enqueue first.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.flush().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
        else for (const wake of this.idleWaiters.splice(0)) wake();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch =
      this.queue.length <= this.options.maxBatchSize ? this.queue : this.queue.slice(0, this.options.maxBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
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
