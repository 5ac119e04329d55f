import { type HeadwayEvent, isTerminal } from "../../core/index.js";

/**
 * What a stream client has not received yet, bounded by what it needs rather
 * than by how fast it reads: per run, the latest non-terminal state replaces
 * older ones, while a start, a terminal state and a deletion are kept.
 * Keys are ordered by the last push, so frames still leave in event order.
 */
export class PendingEvents {
  private readonly items = new Map<string, HeadwayEvent>();
  private overflow = false;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.items.size;
  }

  /** True when more than `max` distinct entries piled up; the caller must re-sync from the store. */
  get overflowed(): boolean {
    return this.overflow;
  }

  push(event: HeadwayEvent): void {
    if (this.overflow) return;
    const key = keyOf(event);
    if (key.superseded !== undefined) this.items.delete(key.superseded);
    this.items.delete(key.key);
    this.items.set(key.key, event);
    if (this.items.size > this.max) {
      this.items.clear();
      this.overflow = true;
    }
  }

  /** Removes and returns up to `count` events, oldest first. */
  take(count: number): HeadwayEvent[] {
    const out: HeadwayEvent[] = [];
    for (const [key, event] of this.items) {
      if (out.length >= count) break;
      out.push(event);
      this.items.delete(key);
    }
    return out;
  }

  /** Forgets everything, overflow included (after a re-sync from the store). */
  reset(): void {
    this.items.clear();
    this.overflow = false;
  }

  /** Drops events the client already has by other means (a snapshot or replay). */
  discard(predicate: (event: HeadwayEvent) => boolean): void {
    for (const [key, event] of this.items) if (predicate(event)) this.items.delete(key);
  }
}

function keyOf(event: HeadwayEvent): { key: string; superseded?: string } {
  const runId = "runId" in event.payload ? String(event.payload.runId) : undefined;
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
