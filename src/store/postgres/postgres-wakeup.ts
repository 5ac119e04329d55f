import type { PgClientLike } from "./postgres-driver.js";
import { quoteIdentifier } from "./postgres-schema.js";

export interface CommitWatchOptions {
  /** A client of its own (one connection) whose `onnotify` and `onclose` call the returned handlers. */
  channel: string;
  /** Reads the newest commit sequence (the poll behind the NOTIFY). */
  readSeq: () => Promise<number>;
  pollMs: number;
  /** How long to wait before listening again after the connection dropped or LISTEN failed, in ms. */
  retryMs: number;
}

/**
 * Calls `wake` soon after any process committed. Each commit NOTIFYs its
 * sequence, but NOTIFY is only a hint (pg-boss's rule): a notification can be
 * lost while the LISTEN connection is down, so the newest sequence is also
 * polled, and a dropped LISTEN is taken up again (then `wake`, for what was
 * missed). The feed itself is the truth; a wake only says "read it now".
 */
export class CommitWatch {
  private stopped = false;
  private listening = false;
  private seen: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private retry: NodeJS.Timeout | undefined;
  private client: PgClientLike | undefined;

  constructor(
    openClient: (handlers: { onnotify: (channel: string) => void; onclose: () => void }) => PgClientLike,
    private readonly wake: () => void,
    private readonly options: CommitWatchOptions,
  ) {
    this.client = openClient({
      onnotify: (channel) => {
        if (channel === options.channel && !this.stopped) this.wake();
      },
      onclose: () => {
        this.listening = false;
        this.scheduleListen(0);
      },
    });
    this.timer = setInterval(() => void this.poll(), options.pollMs);
    this.timer.unref();
    void this.listen();
  }

  /** Whether LISTEN is in place now (for tests and health checks). */
  get isListening(): boolean {
    return this.listening;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end({ timeout: 1 });
  }

  private async listen(): Promise<void> {
    if (this.stopped || this.listening || !this.client) return;
    try {
      // The next query reconnects a dropped connection; LISTEN is per connection, so it is sent again.
      await this.client.unsafe(`LISTEN ${quoteIdentifier(this.options.channel)}`);
      if (this.stopped) return;
      this.listening = true;
      this.wake(); // commits made while not listening
    } catch {
      this.scheduleListen(this.options.retryMs);
    }
  }

  private scheduleListen(delayMs: number): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, delayMs);
    this.retry.unref();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const seq = await this.options.readSeq();
      if (this.stopped) return;
      // The first sequence read is no baseline: a commit may have come between the watch's start and
      // this read (the read can be late, or follow failed ones), and its NOTIFY may have gone to no one.
      if (seq !== this.seen) this.wake();
      this.seen = seq;
    } catch {
      // The database is out of reach: the next poll tries again, and writers report the failure.
    }
    if (!this.listening) this.scheduleListen(0);
  }
}
