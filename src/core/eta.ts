/** One observation of progress: [epoch ms, percent]. */
export type ProgressSample = readonly [at: number, percent: number];

/** A sample closer than this to the one before it updates that one instead of starting a segment. */
export const MIN_SEGMENT_MS = 500;

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
  // Writes a few ms apart (two children of one parent, a burst) would make a near-instant segment and a
  // huge rate: they fold into the last sample until a segment is long enough to say something.
  if (at <= last[0] || (at - last[0] < MIN_SEGMENT_MS && samples.length > 1)) {
    const next = samples.slice();
    next[next.length - 1] = [last[0], percent];
    return next;
  }
  const next = samples.length >= SAMPLE_WINDOW ? samples.slice(1) : samples.slice();
  next.push([at, percent]);
  return next;
}

const rates = new Float64Array(SAMPLE_WINDOW);

/**
 * Milliseconds left at the median rate of the recent segments. The median keeps
 * one long pause (or one burst) from swinging the estimate. Null when there is
 * not yet a rate to go on.
 */
export function estimateEtaMs(samples: readonly ProgressSample[]): number | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  if (last[1] >= 100) return 0;
  // Runs on every progress write: a scratch buffer and an insertion sort of at most 7 rates.
  let count = 0;
  for (let i = 1; i < samples.length; i++) {
    const from = samples[i - 1] as ProgressSample;
    const to = samples[i] as ProgressSample;
    if (to[0] <= from[0]) continue;
    const rate = (to[1] - from[1]) / (to[0] - from[0]);
    let j = count++;
    while (j > 0 && (rates[j - 1] as number) > rate) {
      rates[j] = rates[j - 1] as number;
      j--;
    }
    rates[j] = rate;
  }
  if (count === 0) return null;
  const mid = count >> 1;
  const median = count % 2 ? (rates[mid] as number) : ((rates[mid - 1] as number) + (rates[mid] as number)) / 2;
  if (!(median > 0)) return null;
  return Math.round((100 - last[1]) / median);
}
