/** One page of a streamed snapshot: its runs as JSON (comma-joined), read after commit `seq`. */
export interface SnapshotPage {
  seq: number;
  json: Uint8Array;
  versions: ReadonlyArray<readonly [id: string, version: number]>;
  more: boolean;
}

const TTL_MS = 1000;
/** Pages are about 1 MiB each: the cache holds at most this many, each for at most two seconds. */
const MAX_ENTRIES = 64;

/**
 * The snapshot pages of all streams of an app: read at most `concurrency`
 * at a time, and shared for a second between clients that ask for the same
 * page (same owner, scope and cursor) when it is new enough for them, as
 * many clients re-synced together do. Without this each client parses and re-encodes every run itself, and
 * the garbage outruns the collector.
 */
export class SnapshotPages {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly cache = new Map<string, { at: number; page: Promise<SnapshotPage> }>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly concurrency = 2) {}

  /** Pages held now, shared or waiting to be. */
  get cached(): number {
    return this.cache.size;
  }

  /**
   * The page under `key`, shared if one was read after commit `minSeq` in
   * the last second; else read now. A snapshot that started at `minSeq`
   * may only use rows at least that new: events up to it may be gone.
   */
  async get(key: string, minSeq: number, read: () => Promise<SnapshotPage>): Promise<SnapshotPage> {
    this.dropExpired();
    for (;;) {
      const hit = this.cache.get(key);
      if (!hit || performance.now() - hit.at >= TTL_MS) break;
      const shared = await hit.page.catch(() => undefined);
      if (shared && shared.seq >= minSeq) return shared;
      // Too old for this snapshot. If another stream put a newer read there meanwhile, try that one.
      if (this.cache.get(key) === hit) break;
    }
    const page = this.limited(read);
    this.cache.delete(key);
    this.cache.set(key, { at: performance.now(), page });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.sweepLater();
    page.catch(() => {
      if (this.cache.get(key)?.page === page) this.cache.delete(key);
    });
    return page;
  }

  /** Entries are kept in the order they were read, oldest first: expired ones go now, not when next asked for. */
  private dropExpired(): void {
    const now = performance.now();
    for (const [key, entry] of this.cache) {
      if (now - entry.at < TTL_MS) return;
      this.cache.delete(key);
    }
  }

  /** Paused streams ask for nothing: a timer drops what expires meanwhile (the pages are the big part of a snapshot's cost). */
  private sweepLater(): void {
    if (this.sweep) return;
    this.sweep = setTimeout(() => {
      this.sweep = undefined;
      this.dropExpired();
      if (this.cache.size > 0) this.sweepLater();
    }, TTL_MS);
    this.sweep.unref();
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      // Each read in a turn of its own: handed on from one finished read to the next, many streams' pages
      // would otherwise be read in one run of microtasks, and nothing else (a health check) would get in.
      await new Promise((resolve) => setImmediate(resolve));
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
