import type { HeadwayEvent } from "../core/index.js";
import { envelopesOf, type FeedCursorStore, type RunStore } from "../store/index.js";

export interface FeedReaderOptions {
  /** The cursor's name: readers with one name share where they got to (across processes too). */
  name: string;
  /** Handles one commit's events; the cursor moves past the commit only after it resolves. */
  handle: (events: HeadwayEvent[]) => Promise<void>;
  /** How often to look for commits besides the wake-ups, in ms. (Default: 500) */
  intervalMs?: number;
  /** Where a reader never seen before starts: the feed as it is now, or its oldest retained commit. (Default: "now") */
  startAt?: "now" | "oldest";
  onError: (error: unknown) => void;
  clock?: () => number;
}

/**
 * Reads the change feed at least once from a stored cursor, for consumers
 * that must not miss a commit across restarts (built-in rules, automations).
 * Local commits and a timer only wake it; what it reads comes from the log.
 * A handler that throws stops the page there: the commit is read again on
 * the next wake-up, so handlers must be idempotent.
 */
export class FeedReader {
  private cursor: number | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly clock: () => number;

  constructor(
    private readonly store: RunStore,
    private readonly cursors: FeedCursorStore,
    private readonly options: FeedReaderOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.timer = setInterval(() => this.wake(), options.intervalMs ?? 500);
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
      this.wake();
      await this.running;
      if (this.running === undefined && (this.cursor ?? -1) < target) await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    let cursor = this.cursor ?? (await this.startingPoint());
    this.cursor = cursor;
    for (;;) {
      const page = await this.store.readFeed(cursor, 64);
      let handled = cursor;
      try {
        for (const commit of page.commits) {
          if (this.closed) break;
          await this.options.handle(envelopesOf(commit));
          handled = commit.seq;
        }
      } finally {
        if (handled !== cursor) {
          await this.cursors.advance(this.options.name, handled, this.clock());
          cursor = handled;
          this.cursor = handled;
        }
      }
      if (!page.more || this.closed) return;
    }
  }

  private async startingPoint(): Promise<number> {
    const stored = await this.cursors.get(this.options.name);
    if (stored !== null) return stored;
    const start = this.options.startAt === "oldest" ? 0 : await this.store.currentCommitSeq();
    await this.cursors.advance(this.options.name, start, this.clock());
    return start;
  }
}
