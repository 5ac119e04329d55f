import { eventRunId, type HeadwayEvent, isTerminal } from "../../core/index.js";

/**
 * What a stream client has not received yet, bounded by what it needs rather
 * than by how fast it reads: per run, the latest non-terminal state replaces
 * older ones, while a start, a terminal state and a deletion are kept.
 * Keys are ordered by the last push, so frames still leave in event order.
 */
export class PendingEvents {
  private readonly items = new Map<string, { event: HeadwayEvent; bytes: number }>();
  private overflow = false;
  private byteCount = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.items.size;
  }

  /** Bytes of the queued events, as their callers sized them in `push`. */
  get bytes(): number {
    return this.byteCount;
  }

  /** True when more than `max` distinct entries piled up (or `drop` was called); the caller must re-sync from the store. */
  get overflowed(): boolean {
    return this.overflow;
  }

  /** Queues `event` (of `bytes` encoded bytes), replacing what it supersedes. Ignored once overflowed. */
  push(event: HeadwayEvent, bytes = 0): void {
    if (this.overflow) return;
    const key = keyOf(event);
    if (key.superseded !== undefined) this.remove(key.superseded);
    this.remove(key.key);
    this.items.set(key.key, { event, bytes });
    this.byteCount += bytes;
    if (this.items.size > this.max) this.drop();
  }

  /** Removes and returns up to `count` events (and, past the first, up to `maxBytes`), oldest first. */
  take(count: number, maxBytes = Number.POSITIVE_INFINITY): HeadwayEvent[] {
    const out: HeadwayEvent[] = [];
    let bytes = 0;
    for (const [key, item] of this.items) {
      if (out.length >= count || (out.length > 0 && bytes + item.bytes > maxBytes)) break;
      out.push(item.event);
      bytes += item.bytes;
      this.remove(key);
    }
    return out;
  }

  /** Forgets the queue and marks it overflowed: the client must be re-synced from the store. */
  drop(): void {
    this.items.clear();
    this.byteCount = 0;
    this.overflow = true;
  }

  /** Forgets everything, overflow included (after a re-sync from the store). */
  reset(): void {
    this.items.clear();
    this.byteCount = 0;
    this.overflow = false;
  }

  /** Drops events the client already has by other means (a snapshot or replay). */
  discard(predicate: (event: HeadwayEvent) => boolean): void {
    for (const [key, item] of this.items) if (predicate(item.event)) this.remove(key);
  }

  private remove(key: string): void {
    const item = this.items.get(key);
    if (!item) return;
    this.items.delete(key);
    this.byteCount -= item.bytes;
  }
}

function keyOf(event: HeadwayEvent): { key: string; superseded?: string } {
  const runId = eventRunId(event);
  // Events about no run (notifications) are each kept: none supersedes another.
  if (runId === undefined) return { key: `event:${event.id}` };
  switch (event.type) {
    case "run.progress.started":
      return { key: `${runId}:started` };
    case "run.deleted":
      return { key: `${runId}:deleted`, superseded: `${runId}:state` };
    case "run.status.update":
      return { key: `${runId}:status` };
    default:
      if (event.run && isTerminal(event.run.status)) return { key: `${runId}:terminal`, superseded: `${runId}:state` };
      return { key: `${runId}:state` };
  }
}
