import type { AgentRun } from "../core/index.js";

/**
 * When each run object reached the page: stamped by the client as it parses
 * a stream frame or a response (`performance.now()`, the page's monotonic
 * clock). `headway/react` measures first_text_to_paint from it, so the time
 * between the bytes arriving and React rendering them is in the measurement.
 * Held weakly: a stamp lives as long as its object.
 */
const stamps = new WeakMap<object, number>();

const clock = () => (typeof performance === "undefined" ? Date.now() : performance.now());

/** Stamps runs as received now (a run already stamped keeps its first stamp). */
export function markReceived(runs: Iterable<AgentRun | null | undefined>, at = clock()): void {
  for (const run of runs) {
    if (typeof run === "object" && run !== null && !stamps.has(run)) stamps.set(run, at);
  }
}

/** When this run object reached the page (`performance.now()` time), if the client received it. */
export function receivedAt(run: AgentRun): number | undefined {
  return stamps.get(run);
}
