import {
  type AgentRun,
  abandonedStep,
  applyCancelRequest,
  applyComplete,
  applyDiagnosticsReport,
  applyHeartbeat,
  applyPatch,
  applyRollup,
  applyStale,
  assertMetadataSize,
  type CompleteOptions,
  createRecord,
  type FirstDiagnostic,
  firstDiagnostics,
  isTerminal,
  type NotificationRecord,
  noteActivity,
  type RunRecord,
  rollupPercent,
  toAgentRun,
  toNotification,
  ValidationError,
} from "../core/index.js";
import type { RunChange } from "./change-feed.js";
import type { HistoryPoint, OpOutcome, RunOp } from "./run-store.js";

type Change =
  | { type: "started" | "updated" | "deleted"; run: RunRecord }
  | { type: "status"; run: RunRecord; summary: string; components?: unknown[]; source: "model" | "offline" }
  | { type: "notification"; notification: NotificationRecord };

export interface HistoryWrite {
  runId: string;
  point: Omit<HistoryPoint, "at"> & { at: number };
}

export interface PlanOptions {
  /** A progress point enters the history at most this often per run. (Default: 1000) */
  historyIntervalMs: number;
}

/**
 * The store-independent half of a batch: given the rows as they were, apply
 * the ops in order with the pure core rules, roll children up into parents,
 * and say what to write. Each adapter loads rows, calls this, and writes the
 * result in one transaction, so both backends share one set of rules.
 */
export class BatchPlan {
  readonly outcomes: OpOutcome[] = [];
  private readonly original = new Map<string, RunRecord>();
  private readonly current = new Map<string, RunRecord | null>();
  private readonly inserted = new Set<string>();
  private readonly changeList: Change[] = [];
  private readonly parentsToRollUp = new Set<string>();
  private readonly failedChildren = new Map<string, RunRecord>();
  /** Parents one of whose children showed a sign of life in this batch (the watchdog's own writes are none). */
  private readonly childActivity = new Set<string>();
  /** Of those, parents one of whose children wrote as work (a person's cancel or delete is no diagnostic event). */
  private readonly childWork = new Set<string>();
  readonly history: HistoryWrite[] = [];
  private readonly snapshots = new Map<RunRecord, AgentRun>();
  /** Notifications the batch creates, in op order. */
  readonly notifications: NotificationRecord[] = [];
  private readonly dedupeKeys = new Set<string>();

  constructor(
    private readonly ops: readonly RunOp[],
    private readonly now: number,
    private readonly options: PlanOptions,
  ) {}

  /** Rows the plan needs before `apply`: every run an op names, and the parent of each new run. */
  idsToLoad(): string[] {
    const ids = new Set<string>();
    for (const op of this.ops) {
      if (op.kind === "notify") {
        if (op.notification.runId) ids.add(op.notification.runId);
        continue;
      }
      if (op.kind !== "start" || op.input.id !== undefined) ids.add(op.id);
      if (op.kind === "start" && op.input.parentId) ids.add(op.input.parentId);
    }
    return [...ids];
  }

  /** Dedupe keys of the batch's notifications, as `owner` + NUL + key: the adapter says which are taken. */
  dedupeKeysToCheck(): string[] {
    const keys: string[] = [];
    for (const op of this.ops) {
      if (op.kind === "notify" && op.notification.dedupeKey !== null) keys.push(dedupeKeyOf(op.notification));
    }
    return keys;
  }

  /** `taken`: the keys of `dedupeKeysToCheck` that stored notifications already hold. */
  apply(loaded: ReadonlyMap<string, RunRecord>, taken: ReadonlySet<string> = new Set()): void {
    for (const [id, run] of loaded) {
      this.original.set(id, run);
      this.current.set(id, run);
    }
    for (const key of taken) this.dedupeKeys.add(key);
    for (const op of this.ops) this.outcomes.push(this.applyOp(op));
  }

  /**
   * Recomputes parents whose children changed, walking up the tree (a parent's
   * change rolls into its own parent). The loaders read rows as stored before the batch.
   */
  rollUp(
    loadRun: (id: string) => RunRecord | undefined,
    loadChildren: (parentId: string) => readonly RunRecord[],
  ): void {
    for (const parentId of this.parentsToRollUp) {
      if (!this.current.has(parentId)) {
        const loaded = loadRun(parentId);
        if (!loaded) continue;
        this.original.set(parentId, loaded);
        this.current.set(parentId, loaded);
      }
      const parent = this.current.get(parentId);
      if (!parent || isTerminal(parent.status)) continue;
      const children = this.childrenOf(parentId, loadChildren(parentId));
      const failed = this.failedChildren.get(parentId);
      const step = failed
        ? `Sub-task "${failed.title}" ${failed.status}${failed.step ? `: ${failed.step}` : ""}`
        : null;
      const percent = parent.percentSetByRun ? parent.percent : rollupPercent(children);
      // A child's activity is the parent's sign of life too (written at most every few seconds, at once when
      // stale, and at once the first time, when it is the parent's first event since it started).
      const worked = this.childWork.has(parentId);
      const alive =
        this.childActivity.has(parentId) &&
        (parent.staleSince !== null ||
          (worked && parent.submitToFirstEventMs === null) ||
          this.now - parent.heartbeatAt >= CHILD_ACTIVITY_BEAT_MS);
      const shows = percent !== parent.percent || step !== null;
      if (!shows && !alive) continue;
      let next = shows ? applyRollup(parent, percent, step, this.now) : parent;
      if (alive) {
        next =
          next === parent ? applyHeartbeat(parent, this.now) : { ...next, heartbeatAt: this.now, staleSince: null };
        if (next.parentId) this.childActivity.add(next.parentId);
      }
      if (worked) {
        // The children's work is the parent's: its first sign of life, and the first status its roll-up shows.
        noteActivity(next, this.now, { status: shows });
        if (next.parentId) this.childWork.add(next.parentId);
      }
      this.record({ type: "updated", run: next });
    }
  }

  /** Rows to insert, rows to update (with what they were), and rows to delete. */
  writes(): { inserts: RunRecord[]; updates: Array<{ before: RunRecord; after: RunRecord }>; deletes: RunRecord[] } {
    const inserts: RunRecord[] = [];
    const updates: Array<{ before: RunRecord; after: RunRecord }> = [];
    const deletes: RunRecord[] = [];
    for (const [id, run] of this.current) {
      const before = this.original.get(id);
      if (run === null) {
        if (before) deletes.push(before);
      } else if (this.inserted.has(id)) inserts.push(run);
      else if (before && before !== run) updates.push({ before, after: run });
    }
    return { inserts, updates, deletes };
  }

  /** Final state of every run the batch touched (null = deleted); adapters may cache it. */
  touched(): ReadonlyMap<string, RunRecord | null> {
    return this.current;
  }

  /** Whether `rollUp` will read parents and children (after `apply`). */
  touchesTree(): boolean {
    return this.parentsToRollUp.size > 0;
  }

  hasChanges(): boolean {
    return this.changeList.length > 0;
  }

  /** Diagnostics this batch set for the first time, once each (after `rollUp`). */
  firstDiagnostics(): FirstDiagnostic[] {
    const found: FirstDiagnostic[] = [];
    for (const [id, run] of this.current) {
      const before = this.inserted.has(id) ? undefined : this.original.get(id);
      if (run && run !== before) firstDiagnostics(before, run, found);
    }
    return found;
  }

  /** The batch's changes as the change feed carries them, in the order they were made. */
  changes(): RunChange[] {
    return this.changeList.map((change): RunChange => {
      if (change.type === "notification")
        return { type: "notification", notification: toNotification(change.notification) };
      if (change.type === "deleted") return { type: "deleted", runId: change.run.id, owner: change.run.owner };
      if (change.type === "status") return { ...change, run: this.snapshot(change.run) };
      return { type: change.type, run: this.snapshot(change.run) };
    });
  }

  /** One AgentRun per record state, shared by the outcome and the event, never by the record. */
  private snapshot(run: RunRecord): AgentRun {
    let agentRun = this.snapshots.get(run);
    if (!agentRun) {
      agentRun = toAgentRun(run, this.now);
      // The record may stay cached for the next batch: what callers and listeners get is theirs to change.
      if (Object.keys(run.metadata).length > 0) agentRun.metadata = structuredClone(run.metadata);
      this.snapshots.set(run, agentRun);
    }
    return agentRun;
  }

  /** Outcomes whose `run` is filled in from the records they refer to. */
  private applyOp(op: RunOp): OpOutcome {
    if (op.kind === "start") return this.start(op);
    if (op.kind === "notify") return this.notify(op.notification);
    const run = this.current.get(op.id);
    if (!run || (op.kind !== "watch" && run.owner !== op.owner)) return { ok: false, reason: "not_found" };
    if (op.kind !== "watch" && op.kind !== "diagnostics" && run.parentId) {
      this.childActivity.add(run.parentId);
      if (op.kind !== "cancel" && op.kind !== "delete") this.childWork.add(run.parentId);
    }
    if (op.kind === "delete") {
      this.current.set(op.id, null);
      this.inserted.delete(op.id);
      this.changeList.push({ type: "deleted", run });
      if (run.parentId) this.parentsToRollUp.add(run.parentId);
      return { ok: true, run: null };
    }
    if (isTerminal(run.status)) {
      // A repeat of the same completion is harmless; one that would change the finished run is refused, not ignored.
      if (op.kind === "complete" && op.status === run.status && !changesFinished(run, op.options)) {
        return { ok: true, run: this.snapshot(run) };
      }
      return { ok: false, reason: "terminal", run: this.snapshot(run) };
    }
    try {
      return { ok: true, run: this.snapshot(this.transition(run, op)) };
    } catch (error) {
      if (error instanceof ValidationError) return { ok: false, reason: "invalid", error };
      throw error;
    }
  }

  /** A notification about one of the owner's runs (or none); at most once per owner and dedupe key. */
  private notify(notification: NotificationRecord): OpOutcome {
    if (notification.runId !== null) {
      const run = this.current.get(notification.runId);
      if (!run || run.owner !== notification.owner) {
        const error = new ValidationError("runId", `no run ${notification.runId} for this owner`);
        return { ok: false, reason: "invalid", error };
      }
    }
    if (notification.dedupeKey !== null) {
      const key = dedupeKeyOf(notification);
      if (this.dedupeKeys.has(key)) return { ok: true, run: null, notification: null };
      this.dedupeKeys.add(key);
    }
    this.notifications.push(notification);
    this.changeList.push({ type: "notification", notification });
    return { ok: true, run: null, notification: toNotification(notification) };
  }

  private transition(run: RunRecord, op: Exclude<RunOp, { kind: "start" | "delete" | "notify" }>): RunRecord {
    const now = this.now;
    switch (op.kind) {
      case "update": {
        const { status, ...patch } = op.patch;
        const text = patch.state === "streaming";
        if (status !== undefined && isTerminal(status)) {
          // agent-native completes a run through a patch: the patch's fields, then the completion, in one version.
          const { step, metadata, ...rest } = patch;
          const patched = hasFields(rest) ? applyPatch(run, rest, now) : run;
          const next = { ...applyComplete(patched, status, { step, metadata }, now), version: run.version + 1 };
          noteActivity(next, now, { status: true, text });
          if (metadata) assertMetadataSize(next.metadata);
          if (next.parentId && status !== "succeeded") this.failedChildren.set(next.parentId, next);
          return this.record({ type: "updated", run: next }, "completed");
        }
        if (!hasFields(patch)) return run; // `status: "running"` alone changes nothing
        const shows = patch.percent !== undefined || patch.step !== undefined || patch.state !== undefined;
        const next = noteActivity(applyPatch(run, patch, now), now, { status: shows, text });
        if (patch.metadata) assertMetadataSize(next.metadata);
        return this.record({ type: "updated", run: next }, next.state !== run.state ? "progress" : "sampled");
      }
      case "complete": {
        const next = noteActivity(applyComplete(run, op.status, op.options, now), now, { status: true });
        if (op.options.metadata) assertMetadataSize(next.metadata);
        if (next.parentId && op.status !== "succeeded") this.failedChildren.set(next.parentId, next);
        return this.record({ type: "updated", run: next }, "completed");
      }
      case "heartbeat":
        return this.record({ type: "updated", run: noteActivity(applyHeartbeat(run, now), now, {}) });
      case "watch": {
        const silentMs = now - run.heartbeatAt;
        const { staleAfterMs, abandonAfterMs } = thresholdsOf(run, op);
        if (silentMs >= abandonAfterMs) {
          // Failed, not cancelled: nobody asked it to stop, it stopped saying anything.
          const next = applyComplete(run, "failed", { step: abandonedStep(silentMs) }, now);
          if (next.parentId) this.failedChildren.set(next.parentId, next);
          return this.record({ type: "updated", run: next }, "completed");
        }
        if (silentMs >= staleAfterMs && run.staleSince === null) {
          return this.record({ type: "updated", run: applyStale(run, now) });
        }
        return run;
      }
      case "status": {
        // A status update is the run's new step (and percent), plus an event of its own right after.
        const { summary, percent, components, source } = op.update;
        const patched = noteActivity(
          applyPatch(run, percent === undefined ? { step: summary } : { step: summary, percent }, now),
          now,
          { status: true },
        );
        const next = this.record({ type: "updated", run: patched }, "progress");
        this.changeList.push({ type: "status", run: next, summary, source, ...(components ? { components } : {}) });
        return next;
      }
      case "diagnostics": {
        // A client's report: first value wins, so a repeat changes nothing and writes nothing.
        const next = applyDiagnosticsReport(run, op.report, now);
        return next === run ? run : this.record({ type: "updated", run: next });
      }
      case "cancel":
        if (run.cancelRequested) return run;
        return this.record({ type: "updated", run: applyCancelRequest(run, now) }, "cancel_requested");
    }
  }

  private start(op: Extract<RunOp, { kind: "start" }>): OpOutcome {
    if (this.current.get(op.id)) return { ok: false, reason: "conflict", id: op.id };
    const parentId = op.input.parentId;
    if (parentId) {
      const parent = this.current.get(parentId);
      if (!parent || parent.owner !== op.input.owner) {
        return {
          ok: false,
          reason: "invalid",
          error: new ValidationError("parentId", `no run ${parentId} for this owner`),
        };
      }
    }
    const run = createRecord(op.id, op.input, this.now);
    this.inserted.add(run.id);
    this.current.set(run.id, run);
    this.record({ type: "started", run }, "started");
    return { ok: true, run: this.snapshot(run) };
  }

  /**
   * Notes a change: the new row state, its event, its history point (sampled
   * for plain progress), and the parent roll-up it causes.
   */
  private record(
    change: Exclude<Change, { type: "notification" }>,
    history?: HistoryPoint["type"] | "sampled",
  ): RunRecord {
    let run = change.run;
    if (history && (history !== "sampled" || this.now - run.historyAt >= this.options.historyIntervalMs)) {
      if (run.historyAt !== this.now || history !== "sampled") run = { ...run, historyAt: this.now };
      this.history.push({
        runId: run.id,
        point: {
          version: run.version,
          at: this.now,
          type: history === "sampled" ? "progress" : history,
          percent: run.percent,
          step: run.step,
          status: run.status,
          state: run.state,
        },
      });
    }
    this.current.set(run.id, run);
    this.changeList.push({ ...change, run } as Change);
    if (run.parentId && change.type !== "deleted") this.parentsToRollUp.add(run.parentId);
    return run;
  }

  private childrenOf(parentId: string, stored: readonly RunRecord[]): RunRecord[] {
    const seen = new Set<string>();
    const children: RunRecord[] = [];
    for (const child of stored) {
      seen.add(child.id);
      const now = this.current.has(child.id) ? this.current.get(child.id) : child;
      if (now) children.push(now);
    }
    for (const id of this.inserted) {
      const run = this.current.get(id);
      if (run && run.parentId === parentId && !seen.has(id)) children.push(run);
    }
    return children;
  }
}

/** A dedupe key as adapters look it up: unique per owner. */
export function dedupeKeyOf(notification: Pick<NotificationRecord, "owner" | "dedupeKey">): string {
  return `${notification.owner}\u0000${notification.dedupeKey}`;
}

function hasFields(patch: object): boolean {
  return Object.values(patch).some((value) => value !== undefined);
}

/** Whether completing again with these options would change what a finished run says. */
function changesFinished(run: RunRecord, options: CompleteOptions): boolean {
  if (options.step !== undefined && options.step !== run.step) return true;
  const metadata = options.metadata ?? {};
  return Object.keys(metadata).some((key) => JSON.stringify(metadata[key]) !== JSON.stringify(run.metadata[key]));
}

/** How often, at most, a child's activity is written into its parent as a sign of life. */
const CHILD_ACTIVITY_BEAT_MS = 5000;

/** The watchdog's thresholds for one run: the run's own (`metadata.staleAfterMs`, `metadata.abandonAfterMs`) or the server's. */
function thresholdsOf(run: RunRecord, op: { staleAfterMs: number; abandonAfterMs: number }) {
  const own = (key: string, fallback: number) => {
    const value = run.metadata[key];
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    staleAfterMs: own("staleAfterMs", op.staleAfterMs),
    abandonAfterMs: own("abandonAfterMs", op.abandonAfterMs),
  };
}
