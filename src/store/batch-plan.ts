import {
  type AgentRun,
  abandonedStep,
  adjustTotals,
  applyCancelRequest,
  applyComplete,
  applyDiagnosticsReport,
  applyHeartbeat,
  applyPatch,
  applyRollup,
  applyStale,
  assertMetadataSize,
  type CompleteOptions,
  childShare,
  copyRecord,
  createRecord,
  type FirstDiagnostic,
  firstDiagnostics,
  isTerminal,
  NO_CHILDREN,
  type NotificationRecord,
  noteActivity,
  percentOfTotals,
  type RollupTotals,
  type RunRecord,
  sameTotals,
  toAgentRun,
  toNotification,
  ValidationError,
} from "../core/index.js";
import type { RunChange } from "./change-feed.js";
import { metadataJson } from "./metadata-json.js";
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
  /** Per parent, its children this batch changed (started, updated, deleted): their difference is the parent's. */
  private readonly changedChildren = new Map<string, Set<string>>();
  /** Runs started with a caller-chosen id: children stored under that id (a deleted run's) count for the new one. */
  private readonly adopters = new Set<string>();
  /** What the adopters' stored children add up to. */
  private readonly adopted = new Map<string, RollupTotals>();
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

  /**
   * Parents whose stored children `rollUp` will read: only runs started here
   * under a caller-chosen id, which may name a deleted run whose children are still stored.
   */
  childrenToLoad(): string[] {
    const ids: string[] = [];
    for (const op of this.ops) if (op.kind === "start" && op.input.id !== undefined) ids.push(op.id);
    return ids;
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
   * Rolls the batch's changes to children into their parents, walking up the
   * tree (a parent's change rolls into its own parent). Each parent's totals
   * move by what its changed children add now less what they added as
   * stored: O(changed children), whatever the number of siblings. The
   * loaders read rows as stored before the batch; `loadChildren` is called
   * only for `childrenToLoad()`.
   *
   * Two passes. The first settles the numbers: a parent's totals, its
   * percent and whether a child's activity reaches it, revisiting a parent
   * when a child's own roll-up changes after it was looked at, until nothing
   * moves. The second writes each parent once, from those numbers, so a
   * parent gets at most one new version per batch, whatever the order its
   * children were met in.
   */
  rollUp(
    loadRun: (id: string) => RunRecord | undefined,
    loadChildren: (parentId: string) => readonly RunRecord[],
  ): void {
    const queue = [...this.parentsToRollUp];
    const queued = new Set(queue);
    for (const id of this.adopters) {
      if (!this.current.get(id)) continue;
      let totals = NO_CHILDREN;
      for (const child of loadChildren(id)) totals = adjustTotals(totals, childShare(child), NO_CHILDREN);
      this.adopted.set(id, totals);
      if (totals !== NO_CHILDREN && !queued.has(id)) {
        queued.add(id);
        queue.push(id);
      }
    }
    const percents = new Map<string, number | null>();
    const alive = new Set<string>();
    const settled: string[] = [];
    // A parent is revisited only when a child of it changed after its visit: at most once per level of the
    // tree below it. The cap only ends a loop through a cycle (a run re-created under a caller-chosen id
    // as a child of its own former child); totals stay exact even then, since pass two recomputes them.
    const maxVisits = 64 * (queue.length + 16);
    for (let next = 0; next < queue.length && next < maxVisits; next++) {
      const parentId = queue[next] as string;
      queued.delete(parentId);
      const parent = this.parentRow(parentId, loadRun);
      if (!parent) continue;
      if (!percents.has(parentId)) settled.push(parentId);
      const before = percents.has(parentId) ? percents.get(parentId) : parent.percent;
      const percent = derivesPercent(parent) ? percentOfTotals(this.totalsOf(parentId, percents)) : parent.percent;
      percents.set(parentId, percent);
      // A child's activity is the parent's sign of life too (written at most every few seconds, at once when
      // stale, and at once the first time, when it is the parent's first event since it started).
      const worked = this.childWork.has(parentId);
      const beat =
        this.childActivity.has(parentId) &&
        !isTerminal(parent.status) &&
        (parent.staleSince !== null ||
          (worked && parent.submitToFirstEventMs === null) ||
          this.now - parent.heartbeatAt >= CHILD_ACTIVITY_BEAT_MS);
      const newlyAlive = beat && !alive.has(parentId);
      if (beat) alive.add(parentId);
      const grandparent = parent.parentId;
      // The children's work is the grandparent's too, whatever the numbers do (its first event, its first status).
      if (grandparent && worked) this.childWork.add(grandparent);
      if (!grandparent || (percent === before && !newlyAlive)) continue;
      if (newlyAlive) this.childActivity.add(grandparent);
      this.noteChildChange(grandparent, parentId);
      if (!queued.has(grandparent)) {
        queued.add(grandparent);
        queue.push(grandparent);
      }
    }
    for (const parentId of settled) this.writeRollup(parentId, percents, alive.has(parentId));
  }

  /** A parent's row as this batch has it, loaded on first need; undefined when it is missing or deleted. */
  private parentRow(id: string, loadRun: (id: string) => RunRecord | undefined): RunRecord | undefined {
    if (!this.current.has(id)) {
      const loaded = loadRun(id);
      if (!loaded) return undefined;
      this.original.set(id, loaded);
      this.current.set(id, loaded);
    }
    return this.current.get(id) ?? undefined;
  }

  /**
   * A parent's totals after this batch: as stored (or as adopted, for a run
   * started here), plus, for each child the batch changed, what it adds now
   * less what it added as stored. A child whose percent the roll-up derives
   * counts at its derived percent (`percents`).
   */
  private totalsOf(parentId: string, percents: ReadonlyMap<string, number | null>): RollupTotals {
    let totals = this.inserted.has(parentId)
      ? (this.adopted.get(parentId) ?? NO_CHILDREN)
      : (this.original.get(parentId)?.childTotals ?? NO_CHILDREN);
    for (const childId of this.changedChildren.get(parentId) ?? []) {
      // The same id may stand for a deleted run and a new one under another parent (a caller-chosen id).
      const now = this.current.get(childId);
      const stored = this.original.get(childId);
      const counted = now?.parentId === parentId ? now : undefined;
      const share = counted
        ? childShare(percents.has(childId) ? { ...counted, percent: percents.get(childId) ?? null } : counted)
        : NO_CHILDREN;
      totals = adjustTotals(totals, share, stored?.parentId === parentId ? childShare(stored) : NO_CHILDREN);
    }
    return totals;
  }

  /** Writes a parent's settled roll-up: its totals always (no new version), and percent, failure step and sign of life when they change. */
  private writeRollup(parentId: string, percents: ReadonlyMap<string, number | null>, alive: boolean): void {
    const parent = this.current.get(parentId);
    if (!parent) return;
    const totals = this.totalsOf(parentId, percents);
    let base = parent;
    if (!sameTotals(totals, parent.childTotals)) {
      base = copyRecord(parent);
      base.childTotals = totals;
    }
    // A finished parent never changes again; only its totals follow its children.
    if (isTerminal(parent.status)) {
      this.current.set(parentId, base);
      return;
    }
    const failed = this.failedChildren.get(parentId);
    const step = failed ? `Sub-task "${failed.title}" ${failed.status}${failed.step ? `: ${failed.step}` : ""}` : null;
    const percent = derivesPercent(parent) ? (percents.get(parentId) ?? null) : parent.percent;
    if (percent === parent.percent && step === null && !alive) {
      this.current.set(parentId, base);
      return;
    }
    const shows = percent !== parent.percent || step !== null;
    let next = shows ? applyRollup(base, percent, step, this.now) : base;
    if (alive) {
      next = next === base ? applyHeartbeat(base, this.now) : { ...next, heartbeatAt: this.now, staleSince: null };
    }
    // The children's work is the parent's: its first sign of life, and the first status its roll-up shows.
    if (this.childWork.has(parentId)) noteActivity(next, this.now, { status: shows });
    this.record({ type: "updated", run: next });
  }

  private noteChildChange(parentId: string, childId: string): void {
    let children = this.changedChildren.get(parentId);
    if (!children) {
      children = new Set();
      this.changedChildren.set(parentId, children);
    }
    children.add(childId);
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

  /** Metadata text of the rows the batch inserts or updates: about what a reader of the feed loads to follow it. */
  rowBytes(): number {
    const { inserts, updates } = this.writes();
    let bytes = 0;
    for (const run of inserts) bytes += metadataJson(run.metadata).length;
    for (const { after } of updates) bytes += metadataJson(after.metadata).length;
    return bytes;
  }

  /** Final state of every run the batch touched (null = deleted); adapters may cache it. */
  touched(): ReadonlyMap<string, RunRecord | null> {
    return this.current;
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
      if (run.parentId) {
        this.parentsToRollUp.add(run.parentId);
        this.noteChildChange(run.parentId, run.id);
      }
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
    if (op.input.id !== undefined) this.adopters.add(run.id);
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
    if (run.parentId && change.type !== "deleted") {
      this.parentsToRollUp.add(run.parentId);
      this.noteChildChange(run.parentId, run.id);
    }
    return run;
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

/** Whether a run's percent is its children's roll-up: running, and it never set its own. */
function derivesPercent(run: RunRecord): boolean {
  return !run.percentSetByRun && !isTerminal(run.status);
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
