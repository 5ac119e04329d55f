import { formatEventId, type HeadwayEvent, type RunRecord, toAgentRun } from "../../core/index.js";

interface ChangeEntry {
  seq: number;
  started: string;
  updated: string;
  deleted: string;
}

export interface TailOptions {
  intervalMs: number;
  dataVersion: () => number;
  startSeq: number;
  /** Change-log entries after `seq` written by other processes, and the newest sequence at that moment. */
  readAfter: (seq: number) => { entries: ChangeEntry[]; newest: number };
  loadRun: (id: string) => RunRecord | undefined;
  /** Everything committed up to `seq` (by anyone) has now been published. */
  caughtUpTo: (seq: number) => void;
}

/**
 * Turns commits made by other processes on the same file (the CLI, a worker)
 * into events. `PRAGMA data_version` is one cheap call that only moves when
 * another connection committed, so an idle tail costs next to nothing.
 */
export class ExternalChangeTail {
  private readonly listeners = new Set<(events: HeadwayEvent[]) => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastSeq: number;
  private lastVersion: number;

  constructor(private readonly options: TailOptions) {
    this.lastSeq = options.startSeq;
    this.lastVersion = options.dataVersion();
  }

  add(listener: (events: HeadwayEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), this.options.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads what other processes committed since the last look; public for tests. */
  poll(): void {
    let version: number;
    try {
      version = this.options.dataVersion();
    } catch {
      this.stop(); // the database was closed under us
      return;
    }
    if (version === this.lastVersion) return;
    const events: HeadwayEvent[] = [];
    try {
      const { entries, newest } = this.options.readAfter(this.lastSeq);
      for (const entry of entries) {
        events.push(...this.eventsOf(entry));
        this.lastSeq = entry.seq;
      }
      this.lastVersion = version;
      this.options.caughtUpTo(newest);
    } catch (error) {
      // A locked or busy read is retried on the next tick; a timer must never throw.
      console.error("[headway] reading other processes' changes failed; retrying:", error);
    }
    if (events.length > 0) for (const listener of this.listeners) listener(events);
  }

  private eventsOf(entry: ChangeEntry): HeadwayEvent[] {
    const events: HeadwayEvent[] = [];
    const at = new Date().toISOString();
    const id = () => formatEventId(entry.seq, events.length);
    const started = new Set(JSON.parse(entry.started) as string[]);
    for (const runId of started) {
      const record = this.options.loadRun(runId);
      if (!record) continue;
      const run = toAgentRun(record);
      events.push({
        id: id(),
        type: "run.progress.started",
        owner: run.owner,
        at,
        run,
        payload: { runId, title: run.title, step: run.step },
      });
    }
    for (const runId of JSON.parse(entry.updated) as string[]) {
      const record = this.options.loadRun(runId);
      if (!record) continue;
      const run = toAgentRun(record);
      events.push({
        id: id(),
        type: "run.progress.updated",
        owner: run.owner,
        at,
        run,
        payload: { runId, percent: run.percent, step: run.step, status: run.status },
      });
    }
    for (const [runId, owner] of JSON.parse(entry.deleted) as Array<[string, string]>) {
      events.push({ id: id(), type: "run.deleted", owner, at, payload: { runId } });
    }
    return events;
  }
}
