import type { RunStore } from "../store/index.js";

export interface WatchdogOptions {
  /** A running run with no sign of life for this long gets `attention: "stale"` and an event, in ms. (Default: 2 minutes) */
  staleAfterMs?: number;
  /** ... and after this long it is completed as failed, abandoned, in ms. (Default: 30 minutes) */
  abandonAfterMs?: number;
  /** How often to look, in ms. (Default: 5000) */
  intervalMs?: number;
}

export interface ResolvedWatchdog {
  staleAfterMs: number;
  abandonAfterMs: number;
  intervalMs: number;
}

export function resolveWatchdog(options: WatchdogOptions = {}): ResolvedWatchdog {
  return Object.freeze({
    staleAfterMs: options.staleAfterMs ?? 2 * 60_000,
    abandonAfterMs: options.abandonAfterMs ?? 30 * 60_000,
    intervalMs: options.intervalMs ?? 5000,
  });
}

/**
 * Runs a run's own thresholds (`metadata.staleAfterMs`) may set below this
 * are looked at once they are this silent: the query stays cheap however
 * many busy runs there are.
 */
const SHORTEST_LOOK_MS = 15_000;
const RUNS_PER_LOOK = 1000;

/**
 * Finds running runs that went silent and hands each to the writer as a
 * `watch` op; the batch re-checks the run under the write lock and marks it
 * stale or completes it as abandoned. The check runs inside the transaction,
 * so with several servers on one database each run is acted on once.
 */
export async function watchSilentRuns(
  store: RunStore,
  submit: (id: string) => Promise<unknown>,
  options: ResolvedWatchdog,
  now: number,
): Promise<number> {
  const before = now - Math.min(options.staleAfterMs, SHORTEST_LOOK_MS);
  const ids = await store.listSilentRuns(before, RUNS_PER_LOOK);
  await Promise.all(ids.map((id) => submit(id)));
  return ids.length;
}
