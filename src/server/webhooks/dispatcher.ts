import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { type AttemptOutcome, type Backend, type ClaimedDelivery, envelopesOf } from "../../store/index.js";
import { type AttemptResult, postDelivery } from "./attempt.js";
import {
  type ResolvedDispatcherOptions,
  resolveDispatcherOptions,
  retryDelayMs,
  type WebhookDispatcherOptions,
} from "./dispatcher-options.js";

/** The cursor every dispatcher on a database shares. */
export const WEBHOOK_CURSOR = "webhooks";
/** Feed pages turned into deliveries per turn before the rest of the process gets a go. */
const PAGES_PER_TURN = 16;
/** How often the cursor follows the feed while no endpoint is enabled. */
const SKIP_CURSOR_EVERY_MS = 5000;

/** One attempt, as the dispatcher's events tell it. */
export interface AttemptInfo {
  deliveryId: string;
  endpointId: string;
  eventId: string;
  /** Attempts made, this one included. */
  attempts: number;
  statusCode: number | null;
  durationMs: number;
}

/**
 * Typed events of a dispatcher; each is emitted once the outcome is stored.
 * Background failures land on `error`-free names (with no listener they go to stderr).
 */
export interface WebhookDispatcherEventMap {
  delivered: [info: AttemptInfo];
  /** A failed attempt with attempts left: retried at `retryAt`. */
  retrying: [info: AttemptInfo & { error: string; retryAt: number }];
  /** A failed last attempt: the delivery is dead until replayed. */
  dead: [info: AttemptInfo & { error: string }];
  /** Commits after `after` up to `next` had left the change log before they could be enqueued (the dispatcher was off too long). */
  "feed:gap": [gap: { after: number; next: number }];
  /** Reading the feed or the outbox failed; the next turn tries again. */
  "dispatcher:error": [error: unknown];
}

export interface CreateWebhookDispatcherOptions extends WebhookDispatcherOptions {
  /** The database's runs (its change feed) and webhooks. */
  backend: Pick<Backend, "runs" | "webhooks">;
  /**
   * Calls `wake` when the feed may have grown (a server passes its bus);
   * returns an unsubscribe. (Default: the store's own commit watch)
   */
  wakeOn?: (wake: () => void) => () => void;
}

/**
 * Delivers webhooks: turns the change feed into outbox rows from a stored
 * cursor, then POSTs due deliveries, signed, with bounded concurrency,
 * retrying with exponential backoff until delivered or dead.
 *
 * Several dispatchers (several servers on one PostgreSQL database, or
 * processes on one SQLite file) share the work safely: the cursor moves
 * only by compare-and-set in the transaction that inserts the deliveries,
 * and each attempt holds a lease on its delivery. Delivery is at-least-once:
 * a process that dies after the receiver got a request but before the
 * outcome was stored leaves the delivery to be sent again once its lease
 * runs out; receivers drop repeats by `webhook-id`.
 */
export class WebhookDispatcher extends EventEmitter<WebhookDispatcherEventMap> {
  readonly options: ResolvedDispatcherOptions;
  /** This dispatcher's lease token. */
  readonly lease = randomUUID();
  private readonly backend: Pick<Backend, "runs" | "webhooks">;
  private readonly wakeOn: (wake: () => void) => () => void;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();
  private outcomes: Array<{ outcome: AttemptOutcome; emit: () => void }> = [];
  private released: string[] = [];
  private flushing: Promise<void> | undefined;
  private turn: Promise<void> | undefined;
  private again = false;
  /** When the cursor last followed the feed with nobody to deliver to (see nobodyToDeliverTo). */
  private skippedAt = Number.NEGATIVE_INFINITY;
  private delayed: NodeJS.Timeout | undefined;
  private lastTurnAt = Number.NEGATIVE_INFINITY;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: CreateWebhookDispatcherOptions) {
    super();
    const { backend, wakeOn, ...rest } = options;
    this.options = resolveDispatcherOptions(rest);
    this.backend = backend;
    this.wakeOn = wakeOn ?? ((wake) => backend.runs.watchCommits(wake, 50));
  }

  /** Starts the loop; resolves once the cursor is in place (the feed's end, the first time). Idempotent. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const { webhooks, runs } = this.backend;
      // The first dispatcher on a database starts at the feed's end: what came before is history, not news.
      if ((await webhooks.readCursor(WEBHOOK_CURSOR)) === null) {
        await webhooks.initCursor(WEBHOOK_CURSOR, await runs.currentCommitSeq(), this.options.clock());
      }
      if (this.closing) return;
      this.unsubscribe = this.wakeOn(() => this.wake());
      this.every(this.options.pollIntervalMs, () => this.wake());
      if (this.options.sweepIntervalMs > 0) {
        this.every(this.options.sweepIntervalMs, () => {
          this.sweep().catch((error: unknown) => this.report(error));
        });
      }
      this.wake();
    })();
    return this.starting;
  }

  /** Attempts in flight now. */
  get activeAttempts(): number {
    return this.inFlight.size;
  }

  /** Looks at the feed and the outbox now (coalesced: one turn at a time, one more if woken meanwhile). */
  wake(): void {
    if (this.closing || !this.starting) return;
    if (this.turn) {
      this.again = true;
      return;
    }
    if (this.delayed) return;
    // Commits that arrive close together are gathered: one outbox transaction per `batchDelayMs` at most.
    const wait = this.lastTurnAt + this.options.batchDelayMs - performance.now();
    if (wait > 0) {
      this.delayed = setTimeout(() => {
        this.delayed = undefined;
        this.wake();
      }, wait);
      this.delayed.unref();
      return;
    }
    this.lastTurnAt = performance.now();
    this.turn = this.takeTurn().finally(() => {
      this.turn = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once no turn is running and no attempt is in flight or unrecorded. */
  async idle(): Promise<void> {
    while (this.turn || this.inFlight.size > 0 || this.flushing) {
      await Promise.all([this.turn, this.flushing, ...this.inFlight.values()]);
    }
  }

  /** Deletes deliveries past their retention; returns how many. */
  sweep(): Promise<number> {
    const now = this.options.clock();
    return this.backend.webhooks.sweepDeliveries(
      now - this.options.deliveredRetentionMs,
      now - this.options.deadRetentionMs,
    );
  }

  /**
   * Stops claiming, lets attempts in flight finish for `shutdownGraceMs`,
   * aborts the rest and gives their deliveries back (due at once, no attempt
   * counted), and stores every outcome. Idempotent. The backend stays open.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      clearTimeout(this.delayed);
      this.unsubscribe?.();
      await this.starting?.catch(() => {});
      await this.turn;
      const attempts = Promise.all(this.inFlight.values());
      const grace = new Promise<"timeout">((resolve) =>
        setTimeout(resolve, this.options.shutdownGraceMs, "timeout").unref(),
      );
      if ((await Promise.race([attempts, grace])) === "timeout") this.shutdown.abort();
      await attempts;
      await this.flush();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async takeTurn(): Promise<void> {
    try {
      await this.enqueueFromFeed();
      await this.claim();
    } catch (error) {
      this.report(error);
    }
  }

  /** Turns feed pages after the stored cursor into deliveries, each page in one transaction with the cursor's move. */
  private async enqueueFromFeed(): Promise<void> {
    const { runs, webhooks } = this.backend;
    let cursor = await webhooks.readCursor(WEBHOOK_CURSOR);
    if (cursor === null) return;
    if (await this.nobodyToDeliverTo(cursor)) return;
    for (let pages = 0; pages < PAGES_PER_TURN; pages++) {
      if (this.closing) return;
      const page = await runs.readFeed(cursor, this.options.pageSize);
      const first = page.commits[0];
      const last = page.commits.at(-1);
      if (!first || !last) return;
      if (first.seq > cursor + 1) this.gap(cursor, first.seq);
      const events = page.commits.flatMap((commit) => envelopesOf(commit));
      const result = await webhooks.enqueue(WEBHOOK_CURSOR, cursor, last.seq, events, this.options.clock());
      // Lost the race: another dispatcher enqueued this page; carry on from where it left the cursor.
      cursor = result.cursor;
      if (result.advanced && !page.more) return;
    }
    this.again = true; // a long backlog: the next turn goes on, after the rest of the process has had a go
  }

  /**
   * With no enabled endpoint anywhere, reading the feed (every run of every page, loaded and parsed) buys
   * nothing and costs the server's one thread under a heavy writer. The cursor is moved to the present now
   * and then instead, so an endpoint added later starts there. The present is read before the endpoints:
   * an event committed after an endpoint appears has a later sequence, so it is never skipped.
   */
  private async nobodyToDeliverTo(cursor: number): Promise<boolean> {
    const { runs, webhooks } = this.backend;
    const now = this.options.clock();
    const present = now - this.skippedAt >= SKIP_CURSOR_EVERY_MS ? await runs.currentCommitSeq() : null;
    if (await webhooks.hasLiveEndpoints()) return false;
    if (present !== null && present > cursor) {
      await webhooks.enqueue(WEBHOOK_CURSOR, cursor, present, [], now);
      this.skippedAt = now;
    }
    return true;
  }

  private async claim(): Promise<void> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0 || this.closing) return;
    const claimed = await this.backend.webhooks.claimDue({
      now: this.options.clock(),
      limit: free,
      leaseMs: this.options.leaseMs,
      lease: this.lease,
    });
    for (const delivery of claimed) {
      if (this.inFlight.has(delivery.id)) continue; // our own lease ran out mid-attempt (it cannot: lease > timeout)
      const attempt = this.attempt(delivery)
        .catch((error: unknown) => this.report(error))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          this.wake(); // a slot is free, and the run's next delivery may now go
        });
      this.inFlight.set(delivery.id, attempt);
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { clock } = this.options;
    const started = clock();
    let result: AttemptResult;
    try {
      result = await postDelivery({
        url: delivery.url,
        secret: delivery.secret,
        eventId: delivery.eventId,
        body: delivery.body,
        timestampSec: Math.floor(started / 1000),
        timeoutMs: this.options.timeoutMs,
        signal: this.shutdown.signal,
      });
    } catch (error) {
      if (this.shutdown.signal.aborted) {
        this.released.push(delivery.id); // cut short by close(): not an attempt, due again at once
        await this.flush();
        return;
      }
      // Not the receiver's doing (a malformed secret, say), but an attempt all the same: it counts toward dead.
      result = { ok: false, statusCode: null, error: error instanceof Error ? error.message : String(error) };
    }
    const at = clock();
    const attempts = delivery.attempts + 1;
    const info: AttemptInfo = {
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      attempts,
      statusCode: result.statusCode,
      durationMs: at - started,
    };
    const base = { id: delivery.id, lease: delivery.lease, at };
    if (result.ok) {
      this.record({ ...base, ok: true, statusCode: result.statusCode }, () => this.emit("delivered", info));
    } else if (attempts >= this.options.retry.maxAttempts) {
      const outcome = { ...base, ok: false as const, statusCode: result.statusCode, error: result.error };
      this.record({ ...outcome, retryAt: null }, () => this.emit("dead", { ...info, error: result.error }));
    } else {
      const delay = retryDelayMs(attempts, this.options.retry, this.options.random, result.retryAfterMs);
      const retryAt = at + delay;
      const outcome = { ...base, ok: false as const, statusCode: result.statusCode, error: result.error, retryAt };
      this.record(outcome, () => this.emit("retrying", { ...info, error: result.error, retryAt }));
    }
    await this.flush();
  }

  /** Queues an outcome; outcomes that finish together are stored in one transaction. */
  private record(outcome: AttemptOutcome, emit: () => void): void {
    this.outcomes.push({ outcome, emit });
  }

  private flush(): Promise<void> {
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        while (this.outcomes.length > 0 || this.released.length > 0) {
          const batch = this.outcomes.splice(0);
          const released = this.released.splice(0);
          try {
            if (released.length > 0) await this.backend.webhooks.release(released, this.lease);
            await this.backend.webhooks.recordAttempts(batch.map((entry) => entry.outcome));
          } catch (error) {
            // Not stored: the leases run out and the deliveries are attempted again (at-least-once).
            this.report(error);
            continue;
          }
          for (const entry of batch) entry.emit();
        }
      })
      .finally(() => {
        this.flushing = undefined;
        // An outcome queued after the loop's last look gets a flush of its own.
        if (this.outcomes.length > 0 || this.released.length > 0) void this.flush();
      });
    return this.flushing;
  }

  private gap(after: number, next: number): void {
    if (this.listenerCount("feed:gap") > 0) this.emit("feed:gap", { after, next });
    else
      console.error(
        `[headway] webhooks: commits ${after + 1}..${next - 1} left the change log before they were enqueued`,
      );
  }

  /** A background failure: an event, or stderr with nobody listening. */
  private report(error: unknown): void {
    if (this.listenerCount("dispatcher:error") > 0) this.emit("dispatcher:error", error);
    else console.error("[headway] webhooks:", error);
  }
}

export function createWebhookDispatcher(options: CreateWebhookDispatcherOptions): WebhookDispatcher {
  return new WebhookDispatcher(options);
}
