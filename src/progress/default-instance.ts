import type {
  AgentRun,
  CompleteOptions,
  ListRunsOptions,
  RunPatch,
  StartRunInput,
  TerminalStatus,
} from "../core/index.js";
import { createProgress, type Progress } from "./progress.js";

let instance: Progress | undefined;

/**
 * The instance the module functions use, created on first use from
 * `HEADWAY_DATABASE_URL` (default: `.headway/headway.db` in the working directory).
 */
export function getDefaultProgress(): Progress {
  instance ??= createProgress();
  return instance;
}

/** Replaces the default instance (closing the old one is yours to do). */
export function setDefaultProgress(progress: Progress | undefined): void {
  instance = progress;
}

export const startRun = (input: StartRunInput): Promise<AgentRun> => getDefaultProgress().startRun(input);

export const updateRunProgress = (id: string, owner: string, patch: RunPatch): Promise<AgentRun | null> =>
  getDefaultProgress().updateRunProgress(id, owner, patch);

export const completeRun = (
  id: string,
  owner: string,
  status: TerminalStatus,
  options?: CompleteOptions,
): Promise<AgentRun | null> => getDefaultProgress().completeRun(id, owner, status, options);

export const heartbeat = (id: string, owner: string): Promise<AgentRun | null> =>
  getDefaultProgress().heartbeat(id, owner);

export const requestCancel = (id: string, owner: string): Promise<AgentRun | null> =>
  getDefaultProgress().requestCancel(id, owner);

export const listRuns = (owner: string, options?: ListRunsOptions): Promise<AgentRun[]> =>
  getDefaultProgress().listRuns(owner, options);

export const getRun = (id: string, owner: string): Promise<AgentRun | null> => getDefaultProgress().getRun(id, owner);

export const deleteRun = (id: string, owner: string): Promise<boolean> => getDefaultProgress().deleteRun(id, owner);
