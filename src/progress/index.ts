/**
 * The progress library: start, update and complete runs; read them back;
 * listen to changes. Module functions use a default instance configured from
 * `HEADWAY_DATABASE_URL`; `createProgress` makes explicit ones.
 * @module
 */
export type {
  AgentRun,
  CompleteOptions,
  DiagnosticsReport,
  EventEnvelope,
  EventType,
  FirstDiagnostic,
  HeadwayEvent,
  ListRunsOptions,
  RunDiagnostics,
  RunMetadata,
  RunPatch,
  RunState,
  RunStatus,
  StartRunInput,
  StatusUpdateInput,
  TerminalStatus,
} from "../core/index.js";
export { HeadwayError, ValidationError } from "../core/index.js";
export type { HistoryPoint } from "../store/index.js";
export {
  completeRun,
  deleteRun,
  getDefaultProgress,
  getRun,
  heartbeat,
  listRuns,
  requestCancel,
  setDefaultProgress,
  startRun,
  updateRunProgress,
} from "./default-instance.js";
export { FeedReader, type FeedReaderOptions } from "./feed-reader.js";
export {
  createProgress,
  HeadwayClosedError,
  Progress,
  type ProgressEventMap,
  type ProgressOptions,
  type ProgressState,
  RunConflictError,
  type WriteOutcome,
} from "./progress.js";
export { RunCancelledError, RunHandle, type RunHandleOptions } from "./run-handle.js";
export type { StageSpec } from "./stages.js";
export type { WatchdogOptions } from "./watchdog.js";
export { type WithRunOptions, withRun } from "./with-run.js";
