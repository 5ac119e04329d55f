import { createHash } from "node:crypto";
import {
  type AgentRun,
  clipText,
  type HeadwayEvent,
  isAbandonedStep,
  LIMITS,
  type NotifyInput,
  ValidationError,
} from "../core/index.js";
import { FeedReader, type Progress } from "../progress/index.js";

/** The rules every server runs unless told otherwise: a person hears when a run fails, is abandoned, or needs them. */
export const BUILT_IN_RULES = ["run-failed", "run-abandoned", "action-required"] as const;
export type BuiltInRuleName = (typeof BUILT_IN_RULES)[number];

export interface BuiltInRule {
  name: BuiltInRuleName;
  /** The notification for a run in this state, or null when the rule does not apply. */
  notificationFor(run: AgentRun): NotifyInput | null;
}

const bodyOf = (run: AgentRun) => (run.step ? clipText(run.step, LIMITS.notificationBodyChars, "…") : null);
const titled = (prefix: string, run: AgentRun) => clipText(`${prefix}: ${run.title}`, LIMITS.titleChars, "…");
/** A short, stable digest: the same question asked twice is one notification, a new question another. */
const digest = (text: string | null) =>
  createHash("sha256")
    .update(text ?? "")
    .digest("hex")
    .slice(0, 16);

export const RULES: Record<BuiltInRuleName, BuiltInRule> = {
  "run-failed": {
    name: "run-failed",
    notificationFor: (run) =>
      run.status === "failed" && !isAbandonedStep(run.step)
        ? {
            title: titled("Failed", run),
            body: bodyOf(run),
            severity: "critical",
            runId: run.id,
            source: "rule:run-failed",
            dedupeKey: `rule:run-failed:${run.id}`,
          }
        : null,
  },
  "run-abandoned": {
    name: "run-abandoned",
    notificationFor: (run) =>
      run.status === "failed" && isAbandonedStep(run.step)
        ? {
            title: titled("Abandoned", run),
            body: `${run.step}. Its agent may have crashed; start it again if the work is still needed.`,
            severity: "critical",
            runId: run.id,
            source: "rule:run-abandoned",
            dedupeKey: `rule:run-abandoned:${run.id}`,
          }
        : null,
  },
  "action-required": {
    name: "action-required",
    notificationFor: (run) =>
      run.status === "running" && run.state === "action_required"
        ? {
            title: titled("Needs you", run),
            body: bodyOf(run),
            severity: "warning",
            runId: run.id,
            source: "rule:action-required",
            dedupeKey: `rule:action-required:${run.id}:${digest(run.step)}`,
          }
        : null,
  },
};

export interface NotifyOnOutcomesOptions {
  /**
   * Which rules run; a function is asked again for every event, so a rule can be switched off
   * while running (an automation file named like it overrides it). (Default: all of BUILT_IN_RULES)
   */
  rules?: readonly BuiltInRuleName[] | (() => readonly BuiltInRuleName[]);
  /** How often to look for commits besides the wake-ups, in ms. (Default: 500) */
  intervalMs?: number;
}

export interface OutcomeNotifier {
  /** Resolves once every commit made before the call was looked at. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the built-in rules over the change feed, from a stored cursor: a run
 * that failed while no server was up is announced when one starts. Each
 * notification has a dedupe key, so several servers (or a re-read after a
 * crash) announce each outcome once.
 */
export function notifyOnOutcomes(progress: Progress, options: NotifyOnOutcomesOptions = {}): OutcomeNotifier {
  const chosen = options.rules ?? BUILT_IN_RULES;
  const fixed = typeof chosen === "function" ? [] : chosen.map((name) => RULES[name]);
  const rules = typeof chosen === "function" ? () => chosen().map((name) => RULES[name]) : () => fixed;
  const reader = new FeedReader(progress.store, progress.backend.cursors, {
    name: "built-in-rules",
    live: (listener) => progress.subscribe(listener),
    liveAfter: () => progress.publishedAfter,
    intervalMs: options.intervalMs,
    onError: (error) => progress.report("rules:error", error),
    handle: async (events) => {
      for (const event of events) await applyRules(progress, rules(), event);
    },
  });
  return {
    idle: () => reader.idle(),
    close: () => reader.close(),
  };
}

async function applyRules(progress: Progress, rules: readonly BuiltInRule[], event: HeadwayEvent): Promise<void> {
  if (!event.run || (event.type !== "run.progress.updated" && event.type !== "run.progress.started")) return;
  for (const rule of rules) {
    const input = rule.notificationFor(event.run);
    if (!input) continue;
    try {
      await progress.notify(event.run.owner, input);
    } catch (error) {
      // The run was deleted since: nothing left to point at, and nobody to tell about it.
      if (error instanceof ValidationError && error.field === "runId") continue;
      throw error;
    }
  }
}
