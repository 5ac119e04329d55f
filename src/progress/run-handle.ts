import { type AgentRun, clipText, LIMITS, type RunPatch, type TerminalStatus, validatePatch } from "../core/index.js";
import type { Progress, WriteOutcome } from "./progress.js";
import { percentWithin, type StageRange, type StageSpec, stageRanges } from "./stages.js";

export interface RunHandleOptions {
  /** Updates are coalesced to at most one write per this many ms unless the step text changes. (Default: 250) */
  minIntervalMs?: number;
  /** Declared stages of a pipeline, laid over 0..100% by weight, for `stage(name)`. */
  stages?: readonly StageSpec[];
}

/** Why a handle's signal fired: the user asked to cancel, or the run ended or vanished elsewhere. */
export class RunCancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbortError";
  }
}

interface Deferred {
  promise: Promise<AgentRun | null>;
  resolve: (run: AgentRun | null) => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: Deferred["resolve"];
  let reject!: Deferred["reject"];
  const promise = new Promise<AgentRun | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Updates are fire-and-forget in hot loops: a failed write must not become an
  // unhandled rejection that kills the worker. Awaiting callers still see the error.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * A run in the hands of the code doing the work: throttled updates, steps
 * with ETA, stages, heartbeats, and a signal that fires when the user asks to
 * cancel (seen on the next write, a heartbeat, or at once in-process).
 */
export class RunHandle {
  readonly id: string;
  readonly owner: string;
  private latest: AgentRun;
  private readonly controller = new AbortController();
  private readonly minIntervalMs: number;
  private readonly stages: StageRange[];
  private currentStage: StageRange | undefined;
  private pending: RunPatch | null = null;
  private pendingWrite: Deferred | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;
  private lastStep: string | null;
  private readonly heartbeats = new Set<NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private completed = false;

  constructor(
    private readonly progress: Progress,
    run: AgentRun,
    options: RunHandleOptions = {},
  ) {
    this.id = run.id;
    this.owner = run.owner;
    this.latest = run;
    this.lastStep = run.step;
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.stages = stageRanges(options.stages ?? []);
    this.unsubscribe = progress.subscribe(
      (event) => {
        if (event.run?.id === this.id) this.observe(event.run);
        else if (event.type === "run.deleted" && event.payload.runId === this.id) this.abort("the run was deleted");
      },
      { owner: run.owner },
    );
  }

  /** The run as of the last write or event seen. */
  get run(): AgentRun {
    return this.latest;
  }

  /** Fires when cancellation is requested, or the run ended or was deleted elsewhere. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Records progress. Writes are coalesced to one per `minIntervalMs` unless
   * the step text changes; the last value is always written. Resolves after
   * the write that carries this patch committed — so in a hot loop, do not
   * await it (a failed write never becomes an unhandled rejection).
   */
  update(patch: RunPatch): Promise<AgentRun | null> {
    const valid = validatePatch(patch);
    this.pending = { ...this.pending, ...valid };
    this.pendingWrite ??= deferred();
    const promise = this.pendingWrite.promise;
    const stepChanged = valid.step !== undefined && valid.step !== this.lastStep;
    const wait = this.lastWriteAt + this.minIntervalMs - Date.now();
    if (stepChanged || wait <= 0) this.writePending();
    else this.timer ??= setTimeout(() => this.writePending(), wait);
    return promise;
  }

  /** Item `i` of `total`: sets percent (within the current stage, if any) and a step like "classifying 90/200". */
  step(i: number, total: number, label?: string): Promise<AgentRun | null> {
    const count = `${i}/${total}`;
    const text = label ? `${label} ${count}` : this.currentStage ? `${this.currentStage.name} ${count}` : count;
    return this.update({ percent: percentWithin(this.currentStage, i, total), step: text });
  }

  /** Enters a stage: the step names it, and percent moves to where the stage starts when stages were declared. */
  stage(name: string): Promise<AgentRun | null> {
    this.currentStage = this.stages.find((stage) => stage.name === name);
    return this.update(this.currentStage ? { step: name, percent: this.currentStage.start } : { step: name });
  }

  /** Sends a heartbeat every `ms` during a long silent call; returns a function that stops it. */
  heartbeatEvery(ms: number): () => void {
    const timer = setInterval(() => {
      this.progress.heartbeat(this.id, this.owner).then(
        (run) => (run ? this.observe(run) : this.abort("the run is no longer running")),
        () => {}, // a missed heartbeat is not worth failing the work for
      );
    }, ms);
    timer.unref();
    this.heartbeats.add(timer);
    return () => {
      clearInterval(timer);
      this.heartbeats.delete(timer);
    };
  }

  /** Writes any coalesced update now. */
  async flush(): Promise<void> {
    if (this.pending) await this.writePending();
  }

  /** Completes the run (after flushing). Completing twice with the same status is harmless. */
  async complete(status: TerminalStatus, options?: { step?: string | null }): Promise<AgentRun | null> {
    await this.flush();
    // Set first: the completion's own event arrives before the write resolves.
    this.completed = true;
    return this.settle(await this.progress.tryComplete(this.id, this.owner, status, options));
  }

  get isCompleted(): boolean {
    return this.completed;
  }

  /** Stops timers and listeners; a pending coalesced update is written first by `flush`, not here. */
  dispose(): void {
    clearTimeout(this.timer);
    for (const timer of this.heartbeats) clearInterval(timer);
    this.heartbeats.clear();
    this.unsubscribe();
  }

  private writePending(): Promise<AgentRun | null> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const patch = this.pending;
    const waiter = this.pendingWrite;
    this.pending = null;
    this.pendingWrite = null;
    if (!patch || !waiter) return Promise.resolve(this.latest);
    this.lastWriteAt = Date.now();
    if (patch.step !== undefined) this.lastStep = patch.step;
    // settle() throws for an invalid outcome (a merge past the metadata limit is found only at write time):
    // the waiter must hear of it either way.
    this.progress
      .tryUpdate(this.id, this.owner, patch)
      .then((outcome) => waiter.resolve(this.settle(outcome)))
      .catch((error: unknown) => waiter.reject(error));
    return waiter.promise;
  }

  private settle(outcome: WriteOutcome): AgentRun | null {
    if (outcome.ok) {
      if (outcome.run) this.observe(outcome.run);
      return outcome.run;
    }
    if (outcome.reason === "invalid") throw outcome.error;
    if (outcome.reason === "terminal") this.observe(outcome.run);
    else this.abort("the run was deleted");
    return null;
  }

  private observe(run: AgentRun): void {
    if (run.version >= this.latest.version) this.latest = run;
    if (run.cancelRequested) this.abort("the user asked to cancel this run");
    else if (run.status !== "running" && !this.completed) this.abort(`the run already ${run.status}`);
  }

  private abort(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new RunCancelledError(reason));
  }
}

/** A step text that fits the limit, for messages Headway composes itself (error text can be long). */
export function fitStep(text: string): string {
  return clipText(text, LIMITS.stepChars, "…");
}
