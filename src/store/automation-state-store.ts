/**
 * Where a `repeat: true` automation stands for one run, shared by every
 * process on the database, so servers agree on which matching episode they
 * are in and announce each episode once (its dedupe key names the episode).
 * Rules that fire once per run keep nothing here: their dedupe key is enough.
 */
export interface RuleEpisode {
  /** How many times the condition began matching for the run: 1 during (and after) the first episode. */
  episode: number;
  /** Whether the condition matched at the last recorded check. */
  matching: boolean;
  /** The run's version at the last recorded check. */
  version: number;
  /** When the last recorded check looked, in ms since the epoch. */
  checkedAt: number;
}

/** One look at a run: its version and the moment the condition was evaluated at. Later looks win. */
export interface RuleCheck {
  version: number;
  checkedAt: number;
}

export interface AutomationStateStore {
  get(automationId: string, runId: string): Promise<RuleEpisode | null>;
  /**
   * Records that episode `episode` began with `check`, if the stored episode
   * is still `episode - 1` (none stored, for 1) and no later check is stored.
   * True when this call recorded it; false when another process was first or knew better.
   */
  begin(automationId: string, runId: string, episode: number, check: RuleCheck, now: number): Promise<boolean>;
  /** Records that the condition stopped matching at `check`, unless a later check is stored. */
  end(automationId: string, runId: string, check: RuleCheck, now: number): Promise<void>;
  /** Deletes the rows of runs no longer running (or gone) untouched since `before`; returns how many. */
  sweep(before: number): Promise<number>;
}
