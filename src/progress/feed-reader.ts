import { type HeadwayEvent, parseEventId } from "../core/index.js";
import { envelopesOf, type FeedCursorStore, type RunStore } from "../store/index.js";

export interface FeedReaderOptions {
  /** The cursor's name: readers with one name share where they got to (across processes too). */
  name: string;
  /** Handles one commit's events; the cursor moves past the commit only after it resolves. */
  handle: (events: HeadwayEvent[]) => Promise<void>;
  /**
   * The events this process publishes, each commit's together and in commit order (`progress.subscribe`).
   * A commit that follows the cursor is handled from here, with its runs in hand; only a gap (a commit
   * not published here, a restart) sends the reader to the change log, which loads and parses every run
   * of every commit — the server's one thread under a heavy writer cannot afford that per reader.
   */
  live?: (listener: (event: HeadwayEvent) => void) => () => void;
  /**
   * The commit after which the live publisher looks at every commit in order (`progress.publishedAfter`):
   * past it, a commit it did not publish said nothing new, so a gap in the live path is no reason to
   * read the log. Without it every gap is read.
   */
  liveAfter?: () => number | undefined;
  /** How often to look for commits besides the wake-ups, in ms. (Default: 500) */
  intervalMs?: number;
  /** Where a reader never seen before starts: the feed as it is now, or its oldest retained commit. (Default: "now") */
  startAt?: "now" | "oldest";
  onError: (error: unknown) => void;
  clock?: () => number;
}

/** Commits held from the live path before the reader gives up on them and reads the log instead. */
const LIVE_HELD_MAX = 1024;
/** How often, at most, the stored cursor follows commits handled from the live path. */
const SAVE_EVERY_MS = 5000;

/**
 * Reads the change feed at least once from a stored cursor, for consumers
 * that must not miss a commit across restarts (built-in rules, automations).
 * Commits arrive live from this process's publisher when they follow the
 * cursor; anything else is read from the log. A handler that throws stops
 * there: the commit is read again on the next wake-up, so handlers must be
 * idempotent (and the cursor, saved at most every 5 s on the live path,
 * may replay a few seconds of commits after a crash).
 */
export class FeedReader {
  private cursor: number | undefined;
  private saved: number | undefined;
  private savedAt = Number.NEGATIVE_INFINITY;
  /** A save of the live path's cursor under way, in the background. */
  private saving: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Commits published here, by sequence, not handled yet. */
  private readonly held = new Map<number, HeadwayEvent[]>();
  private heldScheduled = false;
  /** The log must be read: a gap, a timer tick without progress, or a start. */
  private mustRead = true;
  private cursorAtTick: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly stopLive: (() => void) | undefined;
  private readonly clock: () => number;

  constructor(
    private readonly store: RunStore,
    private readonly cursors: FeedCursorStore,
    private readonly options: FeedReaderOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.stopLive = options.live?.((event) => this.hold(event));
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 500);
    this.timer.unref();
    this.wake();
  }

  /** Reads what is new now (coalesced with a read already under way). */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once everything committed before the call was handled (or failed). */
  async idle(): Promise<void> {
    const target = await this.store.currentCommitSeq();
    for (let tries = 0; tries < 1000 && !this.closed && (this.cursor ?? -1) < target; tries++) {
      this.mustRead = true;
      this.wake();
      await this.running;
      if (this.running === undefined && (this.cursor ?? -1) < target) await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.stopLive?.();
    await this.running;
    await this.saving;
    await this.save().catch((error: unknown) => this.options.onError(error));
  }

  /** A published event: held with its commit's others, handled once the publish is over. */
  private hold(event: HeadwayEvent): void {
    const seq = parseEventId(event.id)?.commitSeq;
    if (seq === undefined || this.closed || (this.cursor !== undefined && seq <= this.cursor)) return;
    let events = this.held.get(seq);
    if (!events) {
      if (this.held.size >= LIVE_HELD_MAX) {
        // Far behind: the log has them all; holding more would only grow.
        this.held.clear();
        this.mustRead = true;
      }
      events = [];
      this.held.set(seq, events);
    }
    events.push(event);
    if (this.heldScheduled) return;
    this.heldScheduled = true;
    // A commit's events are published in one synchronous call: a microtask later they are all here.
    queueMicrotask(() => {
      this.heldScheduled = false;
      this.wake();
    });
  }

  /** The timer: the log is read only when the cursor made no progress since the last tick. */
  private tick(): void {
    if (this.cursor === this.cursorAtTick) this.mustRead = true;
    this.cursorAtTick = this.cursor;
    this.wake();
  }

  private async drain(): Promise<void> {
    let cursor = this.cursor ?? (await this.startingPoint());
    this.cursor = cursor;
    for (;;) {
      for (let seq = this.nextHeld(cursor); seq !== undefined && !this.closed; seq = this.nextHeld(cursor)) {
        const next = this.held.get(seq) as HeadwayEvent[];
        this.held.delete(seq);
        await this.options.handle(next);
        cursor = seq;
        this.cursor = cursor;
      }
      for (const seq of this.held.keys()) if (seq <= cursor) this.held.delete(seq);
      // Held commits that do not follow the cursor: one before them was not published here.
      if (this.held.size > 0) this.mustRead = true;
      if (!this.mustRead || this.closed) break;
      this.mustRead = false;
      const page = await this.store.readFeed(cursor, 64);
      for (const commit of page.commits) {
        if (this.closed) break;
        if (commit.seq <= cursor) continue;
        await this.options.handle(envelopesOf(commit));
        cursor = commit.seq;
        this.cursor = cursor;
      }
      await this.save();
      if (page.more) this.mustRead = true;
      else if (this.nextHeld(cursor) === undefined) break;
    }
    this.saveInBackground();
  }

  /**
   * The live path's save, now and then, never awaited: with another process holding the write lock a save
   * can wait for seconds, and commits must not pile up meanwhile. One that finds the database busy is
   * left for the next time (the cursor is only where a restart resumes); other failures are reported.
   */
  private saveInBackground(): void {
    if (this.saving || this.clock() - this.savedAt < SAVE_EVERY_MS) return;
    this.saving = this.save()
      .catch((error: unknown) => {
        if ((error as { code?: unknown } | null)?.code !== "busy") this.options.onError(error);
        else this.savedAt = this.clock();
      })
      .finally(() => {
        this.saving = undefined;
      });
  }

  /**
   * The held commit to handle after `cursor`: the next one, or, once the live publisher looks at every
   * commit after the cursor, the oldest held (those between said nothing new).
   */
  private nextHeld(cursor: number): number | undefined {
    if (this.held.has(cursor + 1)) return cursor + 1;
    const after = this.options.liveAfter?.();
    if (after === undefined || cursor < after || this.held.size === 0) return undefined;
    const oldest = Math.min(...this.held.keys());
    return oldest > cursor ? oldest : undefined;
  }

  /** Stores the cursor. */
  private async save(): Promise<void> {
    const cursor = this.cursor;
    if (cursor === undefined || cursor === this.saved) return;
    const at = this.clock();
    await this.cursors.advance(this.options.name, cursor, at);
    this.saved = cursor;
    this.savedAt = at;
  }

  private async startingPoint(): Promise<number> {
    const stored = await this.cursors.get(this.options.name);
    if (stored !== null) {
      this.saved = stored;
      return stored;
    }
    const start = this.options.startAt === "oldest" ? 0 : await this.store.currentCommitSeq();
    await this.cursors.advance(this.options.name, start, this.clock());
    this.saved = start;
    return start;
  }
}
