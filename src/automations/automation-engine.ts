import { type FSWatcher, watch } from "node:fs";
import type { LanguageModel } from "ai";
import type { AgentRun, HeadwayEvent } from "../core/index.js";
import { FeedReader, type Progress } from "../progress/index.js";
import {
  type AutomationLogEntry,
  type DeliveryContext,
  type DeliveryOutcome,
  deliverFiring,
  type Firing,
} from "./automation-delivery.js";
import { AUTOMATION_EVENTS, type Automation, type ScheduleAutomation } from "./automation-file.js";
import {
  type AutomationLoadError,
  formatLoadError,
  type LoadedAutomations,
  loadAutomations,
} from "./load-automations.js";
import { type EpisodeView, stepEpisode } from "./rule-episodes.js";
import { listens, type RuleTrigger } from "./rule-state.js";

export const AUTOMATION_DEFAULTS = {
  /** How often time conditions are re-checked over running runs, in ms: a stuck run emits no events. */
  timerIntervalMs: 15_000,
  /** How often the change feed is read besides the wake-ups, in ms. */
  feedIntervalMs: 500,
  /** Quiet time after a change in the folder before reloading, in ms. */
  debounceMs: 100,
  /** How long an agentic firing waits for the model before delivering the body as written, in ms. */
  modelTimeoutMs: 30_000,
  /** The stored feed cursor's name: every process with this name shares where the feed was read to. */
  cursorName: "automations",
  /** Running runs read per page by the timer. */
  pageSize: 500,
  /** (automation, run) pairs remembered per kind; past it the oldest are forgotten (a re-check costs a read). */
  cacheSize: 100_000,
} as const satisfies Record<string, number | string>;

export interface RunAutomationsOptions {
  /** The folder of `*.md` automation files. A missing folder is no automations. */
  dir: string;
  /** The model `mode: agentic` automations hand the body and the run to. (Default: none; the body is delivered as written) */
  model?: LanguageModel;
  /** How often time conditions and schedules are checked, in ms. (Default: 15000) */
  timerIntervalMs?: number;
  /** How often the change feed is read besides the wake-ups, in ms. (Default: 500) */
  feedIntervalMs?: number;
  /** Reload when a file in the folder changes. (Default: true) */
  watch?: boolean;
  /** Quiet time after a change before reloading, in ms. (Default: 100) */
  debounceMs?: number;
  /** How long an agentic firing waits for the model, in ms. (Default: 30000) */
  modelTimeoutMs?: number;
  /** The stored feed cursor's name. (Default: "automations") */
  cursorName?: string;
  /** The time, in ms since the epoch; pass the Progress instance's clock in tests. (Default: Date.now) */
  clock?: () => number;
  /** Lines about loading, firing and fallbacks. (Default: written to stderr) */
  onLog?: (entry: AutomationLogEntry) => void;
}

export interface AutomationEngine {
  /** The automations loaded now (disabled ones included), in file-name order. */
  automations(): readonly Automation[];
  /** What is wrong with the files that did not load, each with its file and line. */
  errors(): readonly AutomationLoadError[];
  /**
   * Whether a loaded file is named `name` (`<name>.md`, enabled or not): a file named like a
   * built-in notification rule (`run-failed`, …) replaces that rule while it is loaded.
   */
  overrides(name: string): boolean;
  /** Reads the folder again now (it also does so by itself when a file changes). */
  reload(): Promise<LoadedAutomations>;
  /** One timer pass now: time conditions over running runs, and schedules that are due. */
  check(): Promise<void>;
  /** Resolves once every commit made before the call was looked at, and the timer pass under way ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the automations in `options.dir` against `progress`: event automations on
 * the change feed (read at least once from a stored cursor), time conditions
 * and cron schedules on a timer, each firing a notification for the run's owner
 * once (dedupe keys, and for `repeat: true` episodes shared in the store), across
 * processes and restarts. Resolves once the folder was loaded the first time.
 */
export async function runAutomations(progress: Progress, options: RunAutomationsOptions): Promise<AutomationEngine> {
  const engine = new Engine(progress, options);
  await engine.start();
  return engine;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(AUTOMATION_EVENTS);

function defaultLog(entry: AutomationLogEntry): void {
  const about = [entry.automation, entry.runId && `run ${entry.runId}`].filter(Boolean).join(", ");
  console.error(`[headway] automations${about ? ` (${about})` : ""}: ${entry.message}`);
}

/** A Map that forgets its oldest entries past `max`. */
class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.max) {
      const oldest = this.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    return this;
  }
}

class Engine implements AutomationEngine {
  private loaded: Automation[] = [];
  private loadErrors: AutomationLoadError[] = [];
  private readonly clock: () => number;
  private readonly log: (entry: AutomationLogEntry) => void;
  private readonly delivery: DeliveryContext;
  private readonly closer = new AbortController();
  private reader: FeedReader | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<unknown> = Promise.resolve();
  private passing: Promise<void> = Promise.resolve();
  private closed = false;
  /** The last "loaded …" line logged, so a reload that changed nothing says nothing. */
  private summary = "";
  /** Once-per-run rules known to have fired, per `automation\nrun`. */
  private readonly fired: BoundedMap<true>;
  /** Repeat rules: the episode view per `automation\nrun`. */
  private readonly episodes: BoundedMap<EpisodeView>;
  /** Per schedule automation: the last cron time it ran for. */
  private readonly lastTick = new Map<string, { cron: string; timezone: string; at: number }>();
  /** Looks at one (automation, run) pair run one at a time: `automation\nrun` → the one under way. */
  private readonly busy = new Map<string, Promise<void>>();

  constructor(
    private readonly progress: Progress,
    private readonly options: RunAutomationsOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.log = options.onLog ?? defaultLog;
    this.fired = new BoundedMap(AUTOMATION_DEFAULTS.cacheSize);
    this.episodes = new BoundedMap(AUTOMATION_DEFAULTS.cacheSize);
    this.delivery = {
      progress,
      model: options.model,
      modelTimeoutMs: options.modelTimeoutMs ?? AUTOMATION_DEFAULTS.modelTimeoutMs,
      signal: this.closer.signal,
      log: (entry) => this.log(entry),
    };
  }

  async start(): Promise<void> {
    if (this.options.watch !== false) this.watchFolder();
    await this.reload();
    if (this.closed) return;
    const reader = new FeedReader(this.progress.store, this.progress.backend.cursors, {
      name: this.options.cursorName ?? AUTOMATION_DEFAULTS.cursorName,
      live: (listener) => this.progress.subscribe(listener),
      liveAfter: () => this.progress.publishedAfter,
      intervalMs: this.options.feedIntervalMs ?? AUTOMATION_DEFAULTS.feedIntervalMs,
      clock: this.clock,
      onError: (error) => this.report(error),
      handle: async (events) => {
        for (const event of events) await this.onEvent(event);
      },
    });
    this.reader = reader;
    this.armTimer();
  }

  automations(): readonly Automation[] {
    return this.loaded;
  }

  errors(): readonly AutomationLoadError[] {
    return this.loadErrors;
  }

  overrides(name: string): boolean {
    return this.loaded.some((automation) => automation.id === name);
  }

  reload(): Promise<LoadedAutomations> {
    const next = this.reloading.then(async () => {
      const loaded = await loadAutomations(this.options.dir);
      if (!this.closed) this.apply(loaded);
      return loaded;
    });
    this.reloading = next.catch(() => {});
    return next;
  }

  check(): Promise<void> {
    const next = this.passing.then(() => this.pass());
    this.passing = next.catch((error: unknown) => this.report(error));
    return this.passing;
  }

  async idle(): Promise<void> {
    await this.reloading;
    await this.reader?.idle();
    await this.passing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.closer.abort(new Error("the automations were closed"));
    await this.reloading;
    await this.reader?.close();
    await this.passing;
    await Promise.allSettled(this.busy.values());
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(this.options.dir, { persistent: false }, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.reload().catch((error: unknown) => this.report(error));
        }, this.options.debounceMs ?? AUTOMATION_DEFAULTS.debounceMs);
      });
      this.watcher.on("error", (error) => {
        this.watcher?.close();
        this.log({ level: "warn", message: `stopped watching ${this.options.dir}: ${error.message}` });
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "it does not exist" : (error as Error).message;
      this.log({ level: "warn", message: `not watching ${this.options.dir} for changes: ${why}` });
    }
  }

  private apply(loaded: LoadedAutomations): void {
    const before = new Map(this.loaded.map((automation) => [automation.id, signature(automation)]));
    const errorsBefore = new Set(this.loadErrors.map(formatLoadError));
    this.loaded = loaded.automations;
    this.loadErrors = loaded.errors;
    const now = this.clock();
    for (const automation of loaded.automations) {
      // A changed trigger or condition starts from what the store says, not from what this process remembered.
      if (before.get(automation.id) !== signature(automation)) this.forgetAutomation(automation.id);
      if (automation.triggerType === "schedule") {
        const last = this.lastTick.get(automation.id);
        if (!last || last.cron !== automation.cron || last.timezone !== automation.timezone) {
          this.lastTick.set(automation.id, { cron: automation.cron, timezone: automation.timezone, at: now });
        }
      }
    }
    const names = loaded.automations.map((a) => (a.enabled ? a.id : `${a.id} (disabled)`));
    const summary = names.length ? `loaded ${names.join(", ")}` : `no automations in ${this.options.dir}`;
    if (summary !== this.summary) this.log({ level: "info", message: summary });
    this.summary = summary;
    for (const error of loaded.errors) {
      const text = formatLoadError(error);
      if (!errorsBefore.has(text)) this.log({ level: "warn", message: text });
    }
    this.armTimer();
  }

  private forgetAutomation(id: string): void {
    const prefix = `${id}\n`;
    for (const key of this.fired.keys()) if (key.startsWith(prefix)) this.fired.delete(key);
    for (const key of this.episodes.keys()) if (key.startsWith(prefix)) this.episodes.delete(key);
    this.lastTick.delete(id);
  }

  private forgetRun(runId: string): void {
    for (const automation of this.loaded) {
      this.fired.delete(`${automation.id}\n${runId}`);
      this.episodes.delete(`${automation.id}\n${runId}`);
    }
  }

  private async onEvent(event: HeadwayEvent): Promise<void> {
    if (event.type === "run.deleted") {
      this.forgetRun(event.payload.runId);
      return;
    }
    if (!event.run || !EVENT_TYPES.has(event.type)) return;
    const run = event.run;
    // The moment of the change, so every process decides the same for one event; a run read back from
    // the log may be newer than its commit, and is judged as of its own last write then.
    const at = Math.max(Date.parse(event.at), Date.parse(run.updatedAt));
    const trigger: RuleTrigger = { kind: "event", type: event.type };
    for (const automation of this.loaded) {
      if (automation.enabled && listens(automation, trigger)) await this.look(automation, run, at);
    }
    // A finished run never changes again: nothing left to remember about it here.
    if (run.status !== "running") this.forgetRun(run.id);
  }

  /** One look at one (automation, run), after the one under way for the pair: decides, and fires once. */
  private look(automation: Automation, run: AgentRun, at: number): Promise<void> {
    const key = `${automation.id}\n${run.id}`;
    // After the look under way, whether it worked or not.
    const previous = (this.busy.get(key) ?? Promise.resolve()).catch(() => {});
    const next = previous.then(() => this.decide(automation, run, at, key));
    const tracked = next.finally(() => {
      if (this.busy.get(key) === tracked) this.busy.delete(key);
    });
    tracked.catch(() => {}); // the caller gets the failure through `next`
    this.busy.set(key, tracked);
    return next;
  }

  private async decide(automation: Automation, run: AgentRun, at: number, key: string): Promise<void> {
    const matching = automation.condition ? automation.condition.evaluate(run, at) : true;
    const base = `automation:${automation.id}:${run.id}`;
    if (automation.repeat && automation.triggerType === "schedule") {
      // A schedule's tick is an occasion of its own: with repeat, each tick a run matches at is announced.
      if (matching) await this.fire({ automation, run, at, dedupeKey: `${base}:${new Date(at).toISOString()}` });
      return;
    }
    if (!automation.repeat) {
      if (!matching || this.fired.has(key)) return;
      await this.fire({ automation, run, at, dedupeKey: base });
      this.fired.set(key, true);
      return;
    }
    const step = await stepEpisode(
      this.progress.backend.automationState,
      { automationId: automation.id, runId: run.id },
      this.episodes.get(key),
      matching,
      { version: run.version, checkedAt: at },
      this.clock(),
    );
    if (!step) return;
    if (step.fire !== null) await this.fire({ automation, run, at, dedupeKey: `${base}:${step.fire}` });
    this.episodes.set(key, step.view);
  }

  private async fire(firing: Firing): Promise<DeliveryOutcome> {
    // Another process, an earlier try or a restart may have sent it: do not ask a model again.
    if (await this.progress.backend.notifications.hasDedupeKey(firing.run.owner, firing.dedupeKey)) {
      return "duplicate";
    }
    const outcome = await deliverFiring(this.delivery, firing);
    if (outcome === "delivered") {
      this.log({
        level: "info",
        automation: firing.automation.id,
        runId: firing.run.id,
        message: `notified ${firing.run.owner}`,
      });
    }
    return outcome;
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    if (this.closed || !this.reader) return;
    const interval = this.options.timerIntervalMs ?? AUTOMATION_DEFAULTS.timerIntervalMs;
    const now = this.clock();
    let delay = interval;
    for (const automation of this.schedules()) {
      const next = automation.nextRun(this.lastTick.get(automation.id)?.at ?? now);
      if (next !== null) delay = Math.min(delay, Math.max(0, next - now));
    }
    // Never sooner than a second (or the interval) after the last pass: a store that is down is not hammered.
    const wait = Math.max(delay, Math.min(1000, interval));
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.armTimer());
    }, wait);
    this.timer.unref();
  }

  private schedules(): ScheduleAutomation[] {
    return this.loaded.filter((a): a is ScheduleAutomation => a.enabled && a.triggerType === "schedule");
  }

  /** The latest cron time at or before `now` not yet run for (missed ones are not run late), or null. */
  private dueTick(automation: ScheduleAutomation, now: number): number | null {
    let due: number | null = null;
    let from = this.lastTick.get(automation.id)?.at ?? now;
    for (let i = 0; i < 10_000; i++) {
      const next = automation.nextRun(from);
      if (next === null || next > now) break;
      due = next;
      from = next;
    }
    return due;
  }

  private async pass(): Promise<void> {
    if (this.closed) return;
    const now = this.clock();
    const timed = this.loaded.filter((a) => a.enabled && listens(a, { kind: "timer" }));
    const ticks = this.schedules()
      .map((automation) => ({ automation, at: this.dueTick(automation, now) }))
      .filter((tick): tick is { automation: ScheduleAutomation; at: number } => tick.at !== null);
    if (timed.length === 0 && ticks.length === 0) return;
    let after = "";
    for (let page = 0; page < 100_000 && !this.closed; page++) {
      const runs = await this.progress.store.listRunning(after, AUTOMATION_DEFAULTS.pageSize);
      for (const run of runs) {
        for (const automation of timed) await this.lookSafely(automation, run, now);
        for (const tick of ticks) await this.lookSafely(tick.automation, run, tick.at);
      }
      if (runs.length < AUTOMATION_DEFAULTS.pageSize) break;
      after = runs.at(-1)?.id ?? after;
    }
    // These ticks are done only once every running run was looked at: a pass that failed reading the
    // runs runs them again (their dedupe keys make that safe).
    for (const { automation, at } of ticks) {
      this.lastTick.set(automation.id, { cron: automation.cron, timezone: automation.timezone, at });
    }
  }

  /** A look on the timer: a failure is reported and the pass goes on with the other runs. */
  private async lookSafely(automation: Automation, run: AgentRun, at: number): Promise<void> {
    try {
      await this.look(automation, run, at);
    } catch (error) {
      this.report(error);
    }
  }
  /** A failure in the background, on the instance's `rules:error`; a firing cut short by close() is none. */
  private report(error: unknown): void {
    if (!this.closed) this.progress.report("rules:error", error);
  }
}

/** What decides firing: a change to it starts the automation's memory afresh. */
function signature(automation: Automation): string {
  const trigger =
    automation.triggerType === "event" ? automation.events.join(",") : `${automation.cron} ${automation.timezone}`;
  return [
    automation.triggerType,
    trigger,
    automation.condition?.source ?? "",
    automation.repeat,
    automation.enabled,
  ].join("\n");
}
