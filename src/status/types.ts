/**
 * Glossary:
 * - status event: one thing an agent did (`tool_execution`, `delegation_sent`, …), fed to `track()`.
 * - summary: one short user-facing sentence about what changed since the last update.
 * - component: a typed, structured part of an update (`{ type, details }`), declared up front
 *   with `statusComponents` and validated against its JSON Schema.
 * - update: a summary (+ components, + percent) posted to the run and written into streams.
 */

/** Fields every status event may carry. */
interface StatusEventBase {
  /** When it happened, epoch ms. (Default: the updater's clock at `track()`) */
  at?: number;
  /**
   * A user-facing description of this step ("Searching the docs for OAuth setup").
   * The offline summarizer prefers it over anything it would derive.
   */
  label?: string;
}

/** The model produced a step of its own (thinking, planning, drafting). */
export interface AgentGenerateEvent extends StatusEventBase {
  type: "agent_generate";
  /** Internal agent name; used for context, never shown to the user. */
  agent?: string;
  /** What the generation was for, in the agent's words. */
  purpose?: string;
}

/** Control passed from one agent to another. */
export interface TransferEvent extends StatusEventBase {
  type: "transfer";
  from?: string;
  to?: string;
  /** Why, in user-facing words ("billing question"). */
  reason?: string;
}

/** A task was handed to a sub-agent. */
export interface DelegationSentEvent extends StatusEventBase {
  type: "delegation_sent";
  from?: string;
  to?: string;
  /** The task, in user-facing words ("compare the three pricing pages"). */
  task?: string;
}

/** A sub-agent returned its result. */
export interface DelegationReturnedEvent extends StatusEventBase {
  type: "delegation_returned";
  from?: string;
  to?: string;
  task?: string;
  /** What came back, in user-facing words ("3 pricing tables"). */
  outcome?: string;
}

/** A tool ran (or started, or failed). */
export interface ToolExecutionEvent extends StatusEventBase {
  type: "tool_execution";
  /** The tool's name; humanised by the offline summarizer, never shown verbatim. */
  tool: string;
  status?: "started" | "succeeded" | "failed";
  /** The tool's input; a `query`, `q`, `topic`, `url` or `path` field is used to say what it is about. */
  input?: unknown;
  /** What it found, in user-facing words ("Found 12 endpoints"). */
  outcome?: string;
  /** How many things it found; with `noun`, becomes "Found 12 endpoints". */
  count?: number;
  noun?: string;
}

/** An artifact (file, report, draft) was saved. */
export interface ArtifactSavedEvent extends StatusEventBase {
  type: "artifact_saved";
  /** A user-facing name ("pricing-comparison.md"). */
  name?: string;
  /** What kind of thing it is ("report", "draft"). */
  kind?: string;
}

/** One thing an agent did, as `track()` takes it. */
export type StatusEvent =
  | AgentGenerateEvent
  | TransferEvent
  | DelegationSentEvent
  | DelegationReturnedEvent
  | ToolExecutionEvent
  | ArtifactSavedEvent;

export type StatusEventType = StatusEvent["type"];

export const STATUS_EVENT_TYPES: readonly StatusEventType[] = [
  "agent_generate",
  "transfer",
  "delegation_sent",
  "delegation_returned",
  "tool_execution",
  "artifact_saved",
];

/** A declared component of a status update. */
export interface StatusComponentSpec {
  /** A short identifier (`"search"`, `"progress"`). */
  type: string;
  /** What the model should put in it, in words. */
  description: string;
  /** A JSON Schema for `details`; compiled with Ajv when the summarizer or updater is created. */
  detailsSchema?: Record<string, unknown>;
}

/** One component value of an update. A finite `details.percent` (0..100) sets the run's percent. */
export interface StatusComponentValue {
  type: string;
  details?: Record<string, unknown>;
  /** Set by the updater when a number in `details` has not moved since the last update. */
  stalled?: boolean;
}

/** One status update as it is posted. */
export interface StatusUpdate {
  summary: string;
  components?: StatusComponentValue[];
  percent?: number;
  /** `model` when an AI model wrote the summary, `offline` when the built-in summarizer did. */
  source: "model" | "offline";
  /** Which numbers have not moved since the last update (`"progress.percent"`); absent when none. */
  stalled?: string[];
  /** How many tracked events this update covers. */
  eventCount: number;
  /** When it was posted, epoch ms. */
  at: number;
}
