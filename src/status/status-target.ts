import type { StatusComponentValue } from "./types.js";

/** What the updater posts: the summary becomes the run's step. */
export interface StatusTargetUpdate {
  summary: string;
  components?: StatusComponentValue[];
  percent?: number;
  source: "model" | "offline";
}

/**
 * Where updates are written. `Progress` from `headway/progress` satisfies it
 * (its `postStatusUpdate` sets the run's step, and percent when given, and
 * emits `run.status.update` on the change feed). Structural, so this module
 * never imports the store.
 */
export interface StatusTarget {
  /** Sets the run's step (and percent when given) and emits `run.status.update` on the change feed. */
  postStatusUpdate(runId: string, owner: string, update: StatusTargetUpdate): Promise<unknown>;
  /**
   * When present, the run's state becomes `streaming` as answer text starts (so the page says so, and the
   * run's `submit_to_first_text_ms` is recorded). `Progress` has it.
   */
  updateRunProgress?(runId: string, owner: string, patch: { state: "streaming" }): Promise<unknown>;
}
