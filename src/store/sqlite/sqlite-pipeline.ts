import type { BatchPlan } from "../batch-plan.js";
import type { BatchResult, RunOp } from "../run-store.js";
import type { OpenSqliteOptions } from "./sqlite-driver.js";
import type { WriteProgram } from "./sqlite-write-program.js";
import { SqliteWriterThread } from "./sqlite-writer-thread.js";
import type { FromWriter } from "./sqlite-writer-worker.js";

/** What the pipeline needs from the store that owns it. */
export interface PipelineHost {
  /** Plans a batch on the cached and committed state; "blocked" when it needs tree rows while others are out. */
  plan(ops: readonly RunOp[], now: number, othersInFlight: boolean): BatchPlan | "blocked";
  program(plan: BatchPlan, now: number): WriteProgram;
  /** Outcomes and events once `seq` committed (0: nothing to write). */
  finish(plan: BatchPlan, seq: number, events: boolean): BatchResult;
  /** Another connection committed under us: cached rows are suspect. */
  invalidate(): void;
}

interface Batch {
  ops: readonly RunOp[];
  now: number;
  events: boolean;
  resolve: (result: BatchResult) => void;
  reject: (error: unknown) => void;
  plan?: BatchPlan;
  /** Posted to the writer (or known to need no write). */
  sent: boolean;
}

/**
 * Batches in flight to the writer thread, oldest first. Each is planned on
 * the main thread against the cache (which already holds the results of the
 * batches ahead of it) and written by the thread; replies come back in order.
 * A stale or failed batch makes every later one be planned again from the
 * committed state, so no batch is ever written on top of one that was not.
 */
export class SqlitePipeline {
  private readonly queue: Batch[] = [];
  private readonly thread: SqliteWriterThread;
  private generation = 0;
  private deathError: Error | undefined;
  private idle: Array<() => void> = [];

  constructor(
    path: string,
    options: OpenSqliteOptions,
    private readonly host: PipelineHost,
  ) {
    this.thread = new SqliteWriterThread(
      path,
      options,
      this.generation,
      (reply) => this.onReply(reply),
      (error) => this.onDeath(error),
    );
  }

  get inFlight(): number {
    return this.queue.length;
  }

  submit(ops: readonly RunOp[], now: number, events: boolean): Promise<BatchResult> {
    if (this.deathError) return Promise.reject(this.deathError);
    return new Promise<BatchResult>((resolve, reject) => {
      this.queue.push({ ops, now, events, resolve, reject, sent: false });
      this.thread.busy = true;
      this.pump();
    });
  }

  /** Waits for every batch out, then stops the thread. */
  async close(): Promise<void> {
    if (this.queue.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.thread.close();
  }

  /** Plans and posts, in order, every batch that can go now. */
  private pump(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const batch = this.queue[i] as Batch;
      if (batch.sent) continue;
      let plan: BatchPlan | "blocked";
      try {
        plan = this.host.plan(batch.ops, batch.now, i > 0);
      } catch (error) {
        this.queue.splice(i, 1);
        batch.reject(error);
        i--;
        continue;
      }
      if (plan === "blocked") return; // it reads children: wait until the batches ahead committed
      batch.plan = plan;
      batch.sent = true;
      if (plan.hasChanges()) this.thread.post(this.generation, this.host.program(plan, batch.now));
    }
    this.settleHead();
  }

  /** Resolves leading batches that had nothing to write: their answers wait only for those ahead. */
  private settleHead(): void {
    while (this.queue[0]?.sent && !this.queue[0].plan?.hasChanges()) {
      const batch = this.queue.shift() as Batch;
      batch.resolve(this.host.finish(batch.plan as BatchPlan, 0, batch.events));
    }
    if (this.queue.length === 0) {
      this.thread.busy = false;
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  private onReply(reply: FromWriter): void {
    if (reply.generation !== this.generation || reply.type === "refused") return;
    const head = this.queue[0];
    if (!head?.plan) return;
    if (reply.type === "ok") {
      this.queue.shift();
      head.resolve(this.host.finish(head.plan, reply.seq, head.events));
      this.settleHead();
      this.pump();
      return;
    }
    // Stale or failed: the thread now refuses what follows until we resync.
    this.host.invalidate();
    this.generation++;
    this.thread.resync(this.generation);
    if (reply.type === "error") {
      this.queue.shift();
      head.reject(Object.assign(new Error(reply.message), { code: reply.code }));
    }
    for (const batch of this.queue) {
      batch.sent = false;
      batch.plan = undefined;
    }
    this.pump();
  }

  private onDeath(error: Error): void {
    this.deathError = error;
    for (const batch of this.queue.splice(0)) batch.reject(error);
    for (const wake of this.idle.splice(0)) wake();
  }
}
