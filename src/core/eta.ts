/** One observation of progress: [epoch ms, percent]. */
export type ProgressSample = readonly [at: number, percent: number];

/** How many recent samples the estimate looks at. */
export const SAMPLE_WINDOW = 8;

/**
 * Adds an observation. Percent going backwards means the work was re-planned:
 * the old rate says nothing about the new plan, so the window starts over.
 */
export function addSample(samples: readonly ProgressSample[], at: number, percent: number): ProgressSample[] {
  const last = samples[samples.length - 1];
  if (!last || percent < last[1]) return [[at, percent]];
  if (percent === last[1]) return samples as ProgressSample[];
  if (at <= last[0]) return [...samples.slice(0, -1), [last[0], percent]];
  const next = [...samples, [at, percent] as const];
  return next.length > SAMPLE_WINDOW ? next.slice(next.length - SAMPLE_WINDOW) : next;
}

/**
 * Milliseconds left at the median rate of the recent segments. The median keeps
 * one long pause (or one burst) from swinging the estimate. Null when there is
 * not yet a rate to go on.
 */
export function estimateEtaMs(samples: readonly ProgressSample[]): number | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  if (last[1] >= 100) return 0;
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [t0, p0] = samples[i - 1] as ProgressSample;
    const [t1, p1] = samples[i] as ProgressSample;
    if (t1 > t0) rates.push((p1 - p0) / (t1 - t0));
  }
  if (rates.length === 0) return null;
  rates.sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const median = rates.length % 2 ? (rates[mid] as number) : ((rates[mid - 1] as number) + (rates[mid] as number)) / 2;
  if (!(median > 0)) return null;
  return Math.round((100 - last[1]) / median);
}
