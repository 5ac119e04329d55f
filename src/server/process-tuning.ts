import { setFlagsFromString } from "node:v8";

let tuned = false;

/**
 * Tunes V8 for a process whose job is serving Headway; `headway serve` calls
 * it first thing. It turns off allocation-site pretenuring: under a writer
 * of large metadata, a burst in which run records outlive a few young
 * collections (snapshots for many streams at once) makes V8 allocate every
 * later record in the old generation, and the runs they hold follow them
 * there; the old generation then grows at the feed's rate until the next
 * full collection. Measured with `bench/soak.ts` (docs/reliability.md): peak
 * RSS 312–634 MiB with pretenuring on, 261–288 MiB with it off, and more
 * updates per second.
 * An application that embeds `startServer` may call it too, or start Node
 * with `--no-allocation-site-pretenuring`; it changes nothing else.
 */
export function tuneProcessForServing(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString("--no-allocation-site-pretenuring");
}
