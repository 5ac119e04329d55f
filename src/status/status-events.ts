import type { StatusUpdate } from "./types.js";

/**
 * What the updater reports about itself, one typed map (never thrown into
 * the agent's path). Warnings are things a person may want to look at;
 * `status:posted` is the normal case.
 */
export interface StatusUpdaterEventMap {
  /** An update was posted to the target. */
  "status:posted": { update: StatusUpdate };
  /** A summary repeated a recent one (after normalising) and was not posted. */
  "status:duplicate_dropped": { summary: string };
  /** Numbers that have not moved since the last update; the update says so. */
  "status:stall": { fields: string[] };
  /** The model's answer failed validation (JSON Schema or content rules). */
  "status:invalid_answer": { attempt: number; errors: string[]; dropped: boolean };
  /** The summarizer failed or timed out; the offline summarizer filled in. */
  "status:fallback": { reason: "error" | "timeout" | "invalid"; error?: unknown };
  /** The target refused or failed the write; the events stay pending for the next update. */
  "status:post_failed": { error: unknown };
  /** `maxSummaries` was reached; no more updates for this run. */
  "status:cap_reached": { maxSummaries: number };
  /** `track()` got something that is not a known status event; it was ignored. */
  "status:event_rejected": { reason: string };
}

export type StatusUpdaterEventType = keyof StatusUpdaterEventMap;

/** Any updater event, discriminated by `type`. */
export type StatusUpdaterEvent = {
  [K in StatusUpdaterEventType]: { type: K } & StatusUpdaterEventMap[K];
}[StatusUpdaterEventType];
