/** One page of a streamed snapshot: its runs as JSON (comma-joined), read after commit `seq`. */
export interface SnapshotPage {
  seq: number;
  json: Uint8Array;
  versions: ReadonlyArray<readonly [id: string, version: number]>;
  more: boolean;
}

const TTL_MS = 1000;
const MAX_ENTRIES = 256;

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

  constructor(private readonly concurrency = 2) {}

  /**
   * The page under `key`, shared if one was read after commit `minSeq` in
   * the last second; else read now. A snapshot that started at `minSeq`
   * may only use rows at least that new: events up to it may be gone.
   */
  async get(key: string, minSeq: number, read: () => Promise<SnapshotPage>): Promise<SnapshotPage> {
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
    page.catch(() => {
      if (this.cache.get(key)?.page === page) this.cache.delete(key);
    });
    return page;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
