import type { EventBus } from "../bus/index.js";
import type { HeadwayEvent } from "../core/index.js";
import { type Commit, envelopesOf, type RunStore } from "../store/index.js";

/** How long the feed waits for the reply of a commit this process made before reading it from the log. */
const OWN_REPLY_WAIT_MS = 2000;

export interface FollowerOptions {
  /** Read other processes' commits as they happen, not only when a gap shows. */
  follow: boolean;
  /** How often to look for other connections' commits, in ms. */
  intervalMs: number;
  /** Commits read per store call. */
  pageSize: number;
  /** Whether this instance still waits for replies to batches it sent (their commits are on their way). */
  ownBatchesOut: () => boolean;
  onError: (error: unknown) => void;
}

/**
 * Publishes the change feed in commit order, each commit once. A commit this
 * process made arrives with its changes in hand and is published at once if
 * it is the next one; otherwise the commits before it (other processes') are
 * read from the feed first. Local commits, `data_version` and NOTIFY only say
 * "read now": the cursor decides what is published, so no event id repeats or
 * goes backwards, whoever made the commit.
 */
export class Follower {
  private cursor: number | undefined;
  private readonly waiting = new Map<number, Commit>();
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private stopWatching: (() => void) | undefined;
  /**
   * Runs published from the feed carry their state as of the read, which may
   * be newer than the commits still to come before `aheadUntil`: those older
   * states are not published again.
   */
  private readonly ahead = new Map<string, number>();
  private aheadUntil = 0;
  /** The last read stopped early (at an own commit whose reply was on its way): read on when it arrives. */
  private behind = false;
  private blocked: { seq: number; since: number } | undefined;
  private closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly bus: EventBus,
    private readonly options: FollowerOptions,
  ) {}

  /** Starts from the newest commit now in the store: what came before is history, not news. */
  async start(): Promise<void> {
    const seq = await this.store.currentCommitSeq();
    // Own commits that came first are news all the same: start just before the oldest.
    if (this.cursor === undefined) this.cursor = Math.min(seq, ...[...this.waiting.keys()].map((key) => key - 1));
    this.startedAfter = this.cursor;
    this.publishWaiting();
    if (this.options.follow && !this.closed) {
      this.stopWatching = this.store.watchCommits(() => this.wake(), this.options.intervalMs);
    }
    if (this.waiting.size > 0) this.wake();
  }

  /**
   * Every commit after this one is looked at here, in commit order: published, or left out because
   * none of its changes says anything new (its runs were published later already). Undefined until started.
   */
  startedAfter: number | undefined;

  /** The newest commit published (every commit up to it was). */
  get position(): number | undefined {
    return this.cursor;
  }

  /** A commit this process made, with its changes in hand. */
  local(commit: Commit): void {
    if (this.closed || (this.cursor !== undefined && commit.seq <= this.cursor)) return;
    this.waiting.set(commit.seq, commit);
    this.publishWaiting();
    if (this.cursor === undefined) return;
    if (this.waiting.size === 0) {
      if (this.behind) this.wake();
      return;
    }
    if (!this.options.follow && this.bus.listenerCount === 0) {
      // Nobody listens and nobody follows: the gap is history for any later subscriber's snapshot.
      this.skipTo(Math.max(...this.waiting.keys()));
      return;
    }
    this.wake();
  }

  /** Reads the feed now (coalesced: one read at a time, one more if woken meanwhile). */
  wake(): void {
    if (this.closed || this.cursor === undefined) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = undefined;
      if (this.readAgain) {
        this.readAgain = false;
        this.wake();
      }
    });
  }

  /** Resolves once the reads under way have finished. */
  async idle(): Promise<void> {
    while (this.reading) await this.reading;
  }

  close(): void {
    this.closed = true;
    this.stopWatching?.();
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const from = this.cursor as number;
        const page = await this.store.readFeed(from, this.options.pageSize);
        if (this.closed) return;
        this.behind = false;
        if (page.commits.length > 0) this.aheadUntil = Math.max(this.aheadUntil, page.readAt);
        for (const commit of page.commits) {
          if (commit.seq <= (this.cursor as number)) continue;
          const mine = this.waiting.get(commit.seq);
          if (!mine && page.ownSeqs.has(commit.seq) && this.waitForOwn(commit.seq)) {
            // Our own commit, its reply still on the way: it brings the exact states, so wait for it.
            this.behind = true;
            break;
          }
          this.publish(mine ?? commit, mine === undefined);
        }
        this.publishWaiting();
        if (this.behind) {
          setTimeout(() => this.wake(), OWN_REPLY_WAIT_MS).unref();
          return;
        }
        if (!page.more) return;
        // A long backlog is read page by page, letting the rest of the process run in between.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** Whether to wait for an own commit's reply; not for ever, should a reply never come. */
  private waitForOwn(seq: number): boolean {
    if (!this.options.ownBatchesOut()) return false;
    const now = Date.now();
    if (this.blocked?.seq !== seq) this.blocked = { seq, since: now };
    return now - this.blocked.since < OWN_REPLY_WAIT_MS;
  }

  private publishWaiting(): void {
    if (this.cursor === undefined) return;
    for (let next = this.waiting.get(this.cursor + 1); next; next = this.waiting.get(this.cursor + 1)) {
      this.publish(next, false);
    }
  }

  private skipTo(seq: number): void {
    for (const key of this.waiting.keys()) if (key <= seq) this.waiting.delete(key);
    this.cursor = Math.max(this.cursor ?? 0, seq);
  }

  private publish(commit: Commit, fromFeed: boolean): void {
    this.waiting.delete(commit.seq);
    this.cursor = commit.seq;
    if (this.cursor >= this.aheadUntil) this.ahead.clear();
    const events: HeadwayEvent[] = [];
    for (const event of envelopesOf(commit)) {
      const run = event.run;
      if (run) {
        const newer = this.ahead.get(run.id);
        // A state already published from the feed is not published again, nor anything older.
        if (newer !== undefined && (fromFeed ? run.version < newer : run.version <= newer)) continue;
        if (fromFeed) this.ahead.set(run.id, run.version);
      }
      events.push(event);
    }
    try {
      this.bus.publish(events);
    } catch (error) {
      this.options.onError(error);
    }
  }
}
