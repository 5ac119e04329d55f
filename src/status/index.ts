/**
 * AI-written status updates for a run: a tracker fed with agent events, pluggable summarizers
 * (any AI SDK model, or the offline one) and a writer for AI SDK UI message streams.
 * @module
 */
export { type AiSdkSummarizerOptions, aiSdkSummarizer } from "./ai-sdk-summarizer.js";
export { type StatusClock, systemClock } from "./clock.js";
export { isDuplicateSummary, normaliseSummary } from "./delta.js";
export { type McpProgressNotification, type McpProgressNotifierOptions, mcpProgressNotifier } from "./mcp-progress.js";
export { describeEvents, offlineSummarizer, summariseEvents } from "./offline-summarizer.js";
export { type CompiledStatusComponents, checkPrompt, compileStatusComponents } from "./status-components.js";
export { STATUS_DEFAULTS, STATUS_LIMITS } from "./status-defaults.js";
export type { StatusUpdaterEvent, StatusUpdaterEventMap, StatusUpdaterEventType } from "./status-events.js";
export type { StatusTarget, StatusTargetUpdate } from "./status-target.js";
export { createStatusUpdater, type StatusUpdater, type StatusUpdaterOptions } from "./status-updater.js";
export type { SummarizeInput, Summarizer, SummaryResult } from "./summarizer.js";
export * from "./types.js";
export {
  type StatusDataParts,
  type StatusOperationData,
  type StatusPartData,
  type StatusStreamWriter,
  statusPartId,
  writeStatusUpdate,
} from "./ui-stream.js";
