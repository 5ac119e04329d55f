import { useState } from "react";
import type { AgentRun } from "../client/index.js";
import { type ProgressMark, trackProgress, trackRuns } from "../core/run-display.js";

/**
 * What this component has seen of a run's percent across its updates (when
 * it last moved, how many writes left it where it was), for `etaView`: the
 * countdown runs from the last move, and a percent that stopped moving shows
 * as a stall. Starts afresh when the run changes identity.
 */
export function useProgressMark(run: AgentRun | null | undefined): ProgressMark | undefined {
  const [held, setHeld] = useState<{ id: string; mark: ProgressMark } | null>(null);
  if (!run) return undefined;
  const mark = trackProgress(held?.id === run.id ? held.mark : undefined, run);
  // Adjusting state while rendering (React's pattern for state that follows a prop): settles in one pass.
  if (held?.id !== run.id || held.mark !== mark) setHeld({ id: run.id, mark });
  return mark;
}

/** `useProgressMark` for a list of runs, by id. */
export function useProgressMarks(runs: readonly AgentRun[]): ReadonlyMap<string, ProgressMark> {
  const [held, setHeld] = useState<ReadonlyMap<string, ProgressMark>>(() => new Map());
  const marks = trackRuns(held, runs);
  if (marks !== held) setHeld(marks);
  return marks;
}
