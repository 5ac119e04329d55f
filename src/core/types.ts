/**
 * Glossary
 * - run: one unit of tracked work, owned by exactly one owner.
 * - owner: a user id or e-mail; every read and write is scoped to it.
 * - terminal: a run whose status is succeeded, failed or cancelled; it never changes again.
 * - version: +1 on every change of a run; orders that run's events.
 * - envelope: what the bus, SSE and webhooks carry: one event plus the run after it.
 * - submit: when the run was started (`createdAt`); the diagnostics count from it.
 * - sign of life: any write by the work itself (or a child's), heartbeats included;
 *   a person's cancel request, the watchdog and a client's diagnostics report are not.
 */

export const RUN_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Fine-grained runtime state, after the runtime-status-surface standard. */
export const RUN_STATES = [
  "submitted",
  "binding",
  "queued",
  "routing",
  "preparing",
  "waiting_provider",
  "streaming",
  "tool_running",
  "action_required",
  "retrying",
  "failed",
  "cancelled",
  "completed",
] as const;
export type RunState = (typeof RUN_STATES)[number];

export type RunMetadata = Record<string, unknown>;

export const RUN_ATTENTIONS = ["action_required", "failed", "stale"] as const;
export type RunAttention = (typeof RUN_ATTENTIONS)[number] | null;

/**
 * How quickly a run showed signs of life, in milliseconds; null until it
 * happened (or when nobody reported it). The `submitTo…` and `firstText…`
 * values are set once, by the first write that qualifies, and never change
 * after; `lastEventAgeMs` is worked out whenever the run is read. Their
 * Prometheus names are the snake_case ones (`submit_to_status_ms`, …).
 */
export interface RunDiagnostics {
  /** From start to the first write after it that gave a state, step or percent (a completion counts): the first status a person saw. */
  submitToStatusMs: number | null;
  /** From start to the first sign of life after it, of any kind (a heartbeat, a child's write). */
  submitToFirstEventMs: number | null;
  /** From start to the first answer text: the first write that set `state: "streaming"`, or what a client reported. */
  submitToFirstTextMs: number | null;
  /** Reported by a client: from the moment the first text reached the page to the frame that showed it. */
  firstTextToPaintMs: number | null;
  /** For a running run: how long since its last sign of life (`heartbeatAt`) when it was read. Null once it ended. */
  lastEventAgeMs: number | null;
}

/** The diagnostics the store sets once and keeps (every one but `lastEventAgeMs`, which is worked out on read). */
export const STORED_DIAGNOSTICS = [
  "submitToStatusMs",
  "submitToFirstEventMs",
  "submitToFirstTextMs",
  "firstTextToPaintMs",
] as const;
export type StoredDiagnostic = (typeof STORED_DIAGNOSTICS)[number];

/** What a client may report about a run it shows (`reportDiagnostics`, `POST {base}/:id/diagnostics`). */
export interface DiagnosticsReport {
  /** From the moment the run's first text reached the page to the frame that showed it. */
  firstTextToPaintMs?: number;
  /** From the person's submit to the first answer text, as the client measured it; kept only when the run has none yet. */
  submitToFirstTextMs?: number;
}

/** The shape returned everywhere: library, HTTP, tool and SSE. */
export interface AgentRun {
  id: string;
  owner: string;
  title: string;
  step: string | null;
  percent: number | null;
  status: RunStatus;
  state: RunState | null;
  metadata: RunMetadata;
  parentId: string | null;
  cancelRequested: boolean;
  etaMs: number | null;
  /**
   * What should draw a person's eye now: the run waits for them
   * (`action_required`), it failed, or it went silent past its stale
   * threshold (`stale`, set by the server's watchdog). Null: stay calm.
   */
  attention: RunAttention;
  createdAt: string;
  /** The same instant as `createdAt`, under agent-native's name. */
  startedAt: string;
  updatedAt: string;
  completedAt: string | null;
  heartbeatAt: string;
  version: number;
  /** How quickly the run showed signs of life (see RunDiagnostics). */
  diagnostics: RunDiagnostics;
}

/** One point of a run's bounded, sampled history, for timelines (library and `GET {base}/:id/events`). */
export interface HistoryPoint {
  version: number;
  at: string;
  type: "started" | "progress" | "cancel_requested" | "completed";
  percent: number | null;
  step: string | null;
  status: RunStatus;
  state: RunState | null;
}

export interface StartRunInput {
  /** A caller-chosen id (letters, digits, `_ - . :`, at most 64); an id already in use is a conflict. (Default: a new UUIDv7) */
  id?: string;
  owner: string;
  title: string;
  step?: string | null;
  percent?: number | null;
  metadata?: RunMetadata;
  parentId?: string | null;
  state?: RunState | null;
}

export interface RunPatch {
  percent?: number | null;
  step?: string | null;
  title?: string;
  metadata?: RunMetadata;
  state?: RunState | null;
  /** A terminal status completes the run (as completeRun would); `running` changes nothing. */
  status?: RunStatus;
}

/** A status update as it is written: it sets the run's step (and percent when given) and is an event of its own. */
export interface StatusUpdateInput {
  /** Plain words for people, at most 500 characters; becomes the run's step. */
  summary: string;
  /** Structured parts (JSON, at most 16 KiB in all). */
  components?: unknown[];
  percent?: number;
  /** `model` when an AI model wrote it, `offline` for the built-in summarizer. */
  source: "model" | "offline";
}

export interface CompleteOptions {
  step?: string | null;
  metadata?: RunMetadata;
}

export interface ListRunsOptions {
  /** Only runs whose status is running. (Default: false) */
  activeOnly?: boolean;
  /** At most this many runs, 1..500. (Default: 50) */
  limit?: number;
  /** The id of the last run of the previous page; the page holds older runs. */
  cursor?: string;
  /** Only the children of this run. */
  parentId?: string;
  /** Only runs whose title contains this text, case-insensitively (ASCII letters), up to 200 characters. */
  q?: string;
  /** Only runs with this status. */
  status?: RunStatus;
}

/** How many of an owner's runs there are, in all and per status (`countRuns`). */
export interface RunCounts {
  total: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

export function isTerminal(status: RunStatus): status is TerminalStatus {
  return status !== "running";
}
