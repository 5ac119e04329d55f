/** Defaults and limits of `headway/status`, in one place. */
export const STATUS_DEFAULTS = {
  /** New events that make an update due. */
  numEvents: 10,
  /** Seconds since the last update after which one new event makes an update due. */
  timeInSeconds: 30,
  /** No update before this many seconds from the start, so a fast run produces none. */
  initialDelaySeconds: 10,
  /** Fewest seconds between two updates, whatever the count. */
  minIntervalSeconds: 5,
  /** Most updates per run (cost control). */
  maxSummaries: 50,
  /** Recent summaries a new one is compared against for duplicates. */
  dedupeWindow: 3,
  /** How long a model may take before the offline summarizer fills in, ms. */
  modelTimeoutMs: 15_000,
} as const satisfies Record<string, number>;

export const STATUS_LIMITS = {
  /** Longest custom `prompt`, characters. */
  promptChars: 2000,
  /** Longest summary, characters (the run's step holds 500). */
  summaryChars: 300,
} as const satisfies Record<string, number>;
