/**
 * React parts for Headway: `<RunsTray />` for a header, `<StatusRow />` for a
 * run's compact status, and the hooks `useRuns()` and `useRun(id)`, live by
 * SSE or by polling. Also importable as `headway/client/progress`.
 * @module
 */
export type { AgentRun, ConnectionStatus, HeadwayClient, ProgressMark, RunAttention } from "../client/index.js";
export { displayedAttention, trackProgress, trackRuns } from "../core/run-display.js";
export {
  type EtaView,
  elapsedMs,
  etaLabel,
  etaText,
  etaView,
  formatDuration,
  formatEta,
  formatSince,
} from "./format.js";
export { type ClientSource, HeadwayProvider, type HeadwayProviderProps, useHeadwayClient } from "./headway-context.js";
export { ProgressBar, type ProgressBarProps } from "./progress-bar.js";
export { RunProgressItem, type RunProgressItemProps } from "./run-progress-item.js";
export { DEFAULT_KEEP_FINISHED_MS, RunsTray, type RunsTrayProps } from "./runs-tray.js";
export { type Attention, attentionOf, stateLabel, summaryOf } from "./status-labels.js";
export { StatusRow, type StatusRowProps } from "./status-row.js";
export { HEADWAY_CSS, useHeadwayStyles } from "./styles.js";
export { useNow } from "./use-now.js";
export { useProgressMark, useProgressMarks } from "./use-progress.js";
export { type RunView, type UseRunOptions, useRun } from "./use-run.js";
export { type KeepFinished, type RunsState, type UseRunsOptions, useRuns } from "./use-runs.js";
