/**
 * Where each durable reader of the change feed has got to, by name. Readers
 * handle commits at least once: they advance the cursor after handling, and
 * make their effects idempotent (notifications by dedupe key).
 */
export interface FeedCursorStore {
  /** The last commit sequence handled under `name`, or null for a reader never seen. */
  get(name: string): Promise<number | null>;
  /** Moves the cursor forward to `seq` (never back: several processes may advance it). */
  advance(name: string, seq: number, now: number): Promise<void>;
}
