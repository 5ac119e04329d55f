import { LIMITS, ValidationError } from "../core/index.js";
import { type StatusClock, systemClock } from "./clock.js";
import { isDuplicateSummary, numbersOf, percentOf, stalledNumbers, stallSentence } from "./delta.js";
import { offlineSummarizer } from "./offline-summarizer.js";
import { checkPrompt, compileStatusComponents } from "./status-components.js";
import { STATUS_DEFAULTS } from "./status-defaults.js";
import type { StatusUpdaterEvent, StatusUpdaterEventMap, StatusUpdaterEventType } from "./status-events.js";
import type { StatusTarget } from "./status-target.js";
import type { Summarizer, SummaryResult } from "./summarizer.js";
import {
  STATUS_EVENT_TYPES,
  type StatusComponentSpec,
  type StatusComponentValue,
  type StatusEvent,
  type StatusUpdate,
} from "./types.js";

export interface StatusUpdaterOptions {
  /** Where updates go; `Progress` from `headway/progress` is one. */
  target: StatusTarget;
  runId: string;
  owner: string;
  /** Writes the summaries. (Default: `offlineSummarizer()`) */
  summarizer?: Summarizer;
  /** New events that make an update due. (Default: 10) */
  numEvents?: number;
  /** Seconds since the last update after which one new event makes an update due. (Default: 30) */
  timeInSeconds?: number;
  /** No update before this many seconds from creation, so a fast run produces none. (Default: 10) */
  initialDelaySeconds?: number;
  /** Extra instructions for a model summarizer, at most 2,000 characters. */
  prompt?: string;
  /** Components the summarizer may fill; compiled with Ajv here, overriding the summarizer's own. */
  statusComponents?: StatusComponentSpec[];
  /** Time and timers. (Default: the system clock; `vi.useFakeTimers()` applies to it) */
  clock?: StatusClock;
  /** Most updates for this run (cost control). (Default: 50) */
  maxSummaries?: number;
  /** Fewest seconds between two updates, whatever the count. (Default: 5) */
  minIntervalSeconds?: number;
  /** Recent summaries a new one is compared against for duplicates. (Default: 3) */
  dedupeWindow?: number;
  /** Receives every updater event (posted, warnings, failures). Exceptions it throws are swallowed. */
  onEvent?: (event: StatusUpdaterEvent) => void;
}

export interface StatusUpdater {
  /** Records one agent event. Synchronous, never throws; an unknown event is reported and ignored. */
  track(event: StatusEvent): void;
  /** Answer text started streaming: no update is posted until it ends. Calling it again changes nothing. */
  textStreamStarted(): void;
  /** Answer text stopped streaming: an update that fell due meanwhile goes out now. */
  textStreamEnded(): void;
  /**
   * Summarises the pending events now (after any update in flight), ignoring the count and time
   * thresholds. Resolves with the last update that covers what was tracked before the call, or null
   * when nothing was posted. While text streams, the update is deferred to the end of the stream and
   * this resolves null.
   */
  flush(): Promise<StatusUpdate | null>;
  /** Stops the updater: timers cleared, a summary in flight abandoned, nothing posted after. Idempotent. */
  close(): Promise<void>;
  /** Listens to one event type; returns the unsubscribe function. */
  on<K extends StatusUpdaterEventType>(
    type: K,
    listener: (event: { type: K } & StatusUpdaterEventMap[K]) => void,
  ): () => void;
  /** The updates posted so far, oldest first. */
  readonly updates: readonly StatusUpdate[];
  /** Events tracked and not yet covered by an update. */
  readonly pendingEvents: number;
}

/** Pending events kept at most (oldest dropped first), so a capped updater holds bounded memory. */
const MAX_PENDING_EVENTS = 500;

function positive(field: string, value: number | undefined, fallback: number, integer: boolean, min = 0): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new ValidationError(field, `must be a finite ${integer ? "integer" : "number"} of at least ${min}`);
  }
  return v;
}

function validEvent(event: unknown): string | null {
  if (typeof event !== "object" || event === null) return "an event must be an object";
  const type = (event as { type?: unknown }).type;
  if (!STATUS_EVENT_TYPES.includes(type as StatusEvent["type"])) return `unknown event type ${JSON.stringify(type)}`;
  if (type === "tool_execution" && typeof (event as { tool?: unknown }).tool !== "string") {
    return "tool_execution needs a `tool` name";
  }
  return null;
}

function clipStep(summary: string): string {
  const text = summary.replace(/\s+/g, " ").trim();
  return text.length <= LIMITS.stepChars ? text : `${text.slice(0, LIMITS.stepChars - 1).trimEnd()}…`;
}

/**
 * Creates the status updater of one run. One trigger rule: an update is due
 * when at least `numEvents` new events arrived, or `timeInSeconds` passed
 * since the last update and at least one new event arrived; the clock
 * restarts after every update. Nothing before `initialDelaySeconds`, nothing
 * while answer text streams, one summary in flight at a time; events that
 * arrive meanwhile wait for the next one. Failures become events, never throws.
 */
export function createStatusUpdater(options: StatusUpdaterOptions): StatusUpdater {
  if (typeof options?.target?.postStatusUpdate !== "function") {
    throw new ValidationError("target", "must have a postStatusUpdate(runId, owner, update) method");
  }
  if (typeof options.runId !== "string" || options.runId === "") throw new ValidationError("runId", "is required");
  if (typeof options.owner !== "string" || options.owner === "") throw new ValidationError("owner", "is required");
  const numEvents = positive("numEvents", options.numEvents, STATUS_DEFAULTS.numEvents, true, 1);
  const timeMs = positive("timeInSeconds", options.timeInSeconds, STATUS_DEFAULTS.timeInSeconds, false) * 1000;
  const initialDelayMs =
    positive("initialDelaySeconds", options.initialDelaySeconds, STATUS_DEFAULTS.initialDelaySeconds, false) * 1000;
  const minIntervalMs =
    positive("minIntervalSeconds", options.minIntervalSeconds, STATUS_DEFAULTS.minIntervalSeconds, false) * 1000;
  const maxSummaries = positive("maxSummaries", options.maxSummaries, STATUS_DEFAULTS.maxSummaries, true, 1);
  const dedupeWindow = positive("dedupeWindow", options.dedupeWindow, STATUS_DEFAULTS.dedupeWindow, true, 1);
  const prompt = checkPrompt(options.prompt, "prompt");
  const components = options.statusComponents ? compileStatusComponents(options.statusComponents) : undefined;
  const summarizer = options.summarizer ?? offlineSummarizer();
  if (typeof summarizer.summarize !== "function") throw new ValidationError("summarizer", "must have summarize()");
  const fallback = offlineSummarizer();
  const clock = options.clock ?? systemClock;
  const { target, runId, owner } = options;

  const listeners = new Map<StatusUpdaterEventType, Set<(event: StatusUpdaterEvent) => void>>();
  const updates: StatusUpdate[] = [];
  const recent: string[] = [];
  let lastNumbers = new Map<string, number>();
  let lastComponents: StatusComponentValue[] | undefined;
  const startedAt = clock.now();
  let lastUpdateAt = startedAt;
  let notBefore = startedAt + initialDelayMs;
  let pending: StatusEvent[] = [];
  let streaming = false;
  /** Whether answer text ever started: the run is marked streaming once, at the first. */
  let streamedBefore = false;
  let inFlight: Promise<StatusUpdate | null> | null = null;
  let forced = false;
  let closed = false;
  let closing: Promise<void> | null = null;
  let capReported = false;
  let attempted = false;
  let timer: unknown = null;
  let timerAt = 0;
  const abort = new AbortController();

  function emit(event: StatusUpdaterEvent): void {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener's failure must not reach the agent
    }
    for (const listener of listeners.get(event.type) ?? []) {
      try {
        listener(event);
      } catch {
        // as above
      }
    }
  }

  function clearTimer(): void {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  }

  function schedule(at: number): void {
    if (timer !== null && timerAt === at) return;
    clearTimer();
    timerAt = at;
    timer = clock.setTimeout(
      () => {
        timer = null;
        evaluate();
      },
      Math.max(0, at - clock.now()),
    );
  }

  function evaluate(): void {
    if (closed || inFlight || streaming) return;
    if (pending.length === 0) {
      forced = false;
      clearTimer();
      return;
    }
    if (updates.length >= maxSummaries) {
      clearTimer();
      if (!capReported) emit({ type: "status:cap_reached", maxSummaries });
      capReported = true;
      forced = false;
      return;
    }
    if (!forced) {
      const now = clock.now();
      // The minimum interval spaces updates; the initial delay alone governs the first.
      const earliest = Math.max(notBefore, attempted ? lastUpdateAt + minIntervalMs : 0);
      if (now < earliest) {
        schedule(earliest);
        return;
      }
      const due = pending.length >= numEvents || now - lastUpdateAt >= timeMs;
      if (!due) {
        schedule(lastUpdateAt + timeMs);
        return;
      }
    }
    start();
  }

  function start(): void {
    forced = false;
    clearTimer();
    attempted = true;
    const batch = pending;
    pending = [];
    const run = summariseAndPost(batch);
    inFlight = run;
    void run.finally(() => {
      inFlight = null;
      evaluate();
    });
  }

  async function summarise(batch: StatusEvent[]): Promise<SummaryResult> {
    const input = {
      events: batch,
      previousSummaries: [...recent],
      ...(lastComponents ? { previousComponents: lastComponents } : {}),
      ...(prompt !== undefined ? { prompt } : {}),
      ...(components ? { components } : {}),
      signal: abort.signal,
      report: emit,
    };
    try {
      const result = await summarizer.summarize(input);
      if (typeof result?.summary !== "string" || result.summary.trim() === "") {
        throw new Error("the summarizer returned no summary");
      }
      return result;
    } catch (error) {
      if (closed) throw error;
      emit({ type: "status:fallback", reason: "error", error });
      return fallback.summarize(input);
    }
  }

  async function summariseAndPost(batch: StatusEvent[]): Promise<StatusUpdate | null> {
    let result: SummaryResult;
    try {
      result = await summarise(batch);
    } catch {
      return null; // closed meanwhile
    }
    if (closed) return null;
    let summary = clipStep(result.summary);
    let values = result.components?.length ? result.components.map((c) => ({ ...c })) : undefined;
    const percent = percentOf(values);
    const numbers = numbersOf(values, percent);
    const stalled = stalledNumbers(lastNumbers, numbers);
    if (stalled.length > 0) {
      emit({ type: "status:stall", fields: stalled });
      summary = clipStep(`${summary.replace(/[\s.…]+$/u, "")}. ${stallSentence(stalled, numbers)}`);
      values = values?.map((c) =>
        stalled.some((name) => name.startsWith(`${c.type}.`)) ? { ...c, stalled: true } : c,
      );
    }
    if (isDuplicateSummary(summary, recent)) {
      emit({ type: "status:duplicate_dropped", summary });
      lastUpdateAt = clock.now();
      return null;
    }
    const update: StatusUpdate = {
      summary,
      ...(values ? { components: values } : {}),
      ...(percent !== undefined ? { percent } : {}),
      source: result.source === "model" ? "model" : "offline",
      ...(stalled.length > 0 ? { stalled } : {}),
      eventCount: batch.length,
      at: clock.now(),
    };
    try {
      const answer = await target.postStatusUpdate(runId, owner, {
        summary: update.summary,
        ...(update.components ? { components: update.components } : {}),
        ...(update.percent !== undefined ? { percent: update.percent } : {}),
        source: update.source,
      });
      if (answer === null) {
        emit({ type: "status:post_failed", error: new Error(`run ${runId} is missing or already finished`) });
        closed = true;
        clearTimer();
        return null;
      }
    } catch (error) {
      emit({ type: "status:post_failed", error });
      pending = [...batch, ...pending].slice(-MAX_PENDING_EVENTS);
      const now = clock.now();
      lastUpdateAt = now;
      notBefore = now + Math.max(minIntervalMs, timeMs);
      return null;
    }
    if (closed) return update;
    updates.push(update);
    recent.push(update.summary);
    if (recent.length > dedupeWindow) recent.shift();
    lastNumbers = numbers;
    lastComponents = update.components;
    lastUpdateAt = clock.now();
    emit({ type: "status:posted", update });
    return update;
  }

  return {
    track(event) {
      try {
        if (closed) return;
        const problem = validEvent(event);
        if (problem) {
          emit({ type: "status:event_rejected", reason: problem });
          return;
        }
        pending.push({ ...event, at: event.at ?? clock.now() });
        if (pending.length > MAX_PENDING_EVENTS) pending.shift();
        evaluate();
      } catch {
        // never into the agent's path
      }
    },
    textStreamStarted() {
      if (!streaming && !streamedBefore && !closed && target.updateRunProgress) {
        // The first answer text of the run: the page shows "writing the answer" and the run's
        // submit_to_first_text_ms is set. A failure is an event, never the agent's problem.
        target.updateRunProgress(runId, owner, { state: "streaming" }).catch((error: unknown) => {
          emit({ type: "status:post_failed", error });
        });
      }
      streamedBefore = true;
      streaming = true;
      clearTimer();
    },
    textStreamEnded() {
      streaming = false;
      try {
        evaluate();
      } catch {
        // never into the agent's path
      }
    },
    async flush() {
      if (closed) return null;
      // Wait out the summary in flight, and any follow-up it started, then take what is left.
      let last: StatusUpdate | null = null;
      while (inFlight) last = await inFlight;
      if (closed) return null;
      if (pending.length === 0) return last;
      forced = true;
      if (streaming) return null;
      evaluate();
      return inFlight ?? null;
    },
    close() {
      if (closing) return closing;
      closed = true;
      clearTimer();
      abort.abort(new Error("status updater closed"));
      const current = inFlight;
      closing = (async () => {
        if (current) await current.catch(() => null);
      })();
      return closing;
    },
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
      }
      const fn = listener as unknown as (event: StatusUpdaterEvent) => void;
      set.add(fn);
      return () => set.delete(fn);
    },
    get updates() {
      return updates;
    },
    get pendingEvents() {
      return pending.length;
    },
  };
}
