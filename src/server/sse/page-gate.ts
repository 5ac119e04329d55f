/**
 * Lets at most `limit` snapshot pages be read and encoded at once across all
 * streams of an app. Many clients re-synced together would otherwise read
 * the store side by side, and the garbage of their pages (parsed, then
 * re-encoded runs) would outrun the collector and swell the heap.
 */
export class PageGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
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
