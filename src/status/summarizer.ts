import type { CompiledStatusComponents } from "./status-components.js";
import type { StatusUpdaterEvent } from "./status-events.js";
import type { StatusComponentValue, StatusEvent } from "./types.js";

/** What a summarizer is asked to describe. */
export interface SummarizeInput {
  /** The events since the last update, oldest first: the update describes these. */
  events: readonly StatusEvent[];
  /** The last few posted summaries, newest last: the update must not repeat them. */
  previousSummaries: readonly string[];
  /** The components of the last posted update, if any. */
  previousComponents?: readonly StatusComponentValue[];
  /** An extra instruction for model summarizers (at most 2,000 characters; checked by the updater). */
  prompt?: string;
  /** Components declared on the updater; they override the summarizer's own. */
  components?: CompiledStatusComponents;
  /** Fires when the update is no longer wanted (the updater closed). */
  signal?: AbortSignal;
  /** Where a summarizer reports warnings (an invalid answer, a fallback); never throws. */
  report?: (event: StatusUpdaterEvent) => void;
}

/** A summarizer's answer. */
export interface SummaryResult {
  summary: string;
  components?: StatusComponentValue[];
  source: "model" | "offline";
}

/** Turns a batch of events into one short user-facing update. */
export interface Summarizer {
  summarize(input: SummarizeInput): Promise<SummaryResult>;
}
