import type { AgentRun } from "../core/types.js";
import type { Automation } from "./automation-file.js";

/**
 * What an automation remembers about one run, so it fires once per run (or, with `repeat: true`,
 * again after it stopped matching). Plain JSON: a store persists it per (automation id, run id).
 */
export interface RuleRunState {
  /** Whether the condition matched at the last check. */
  matching: boolean;
  /** How many times it fired for this run. */
  firedCount: number;
  /** When it last fired (epoch ms), or null. */
  lastFiredAt: number | null;
}

export const INITIAL_RULE_STATE: RuleRunState = Object.freeze({ matching: false, firedCount: 0, lastFiredAt: null });

export interface RuleDecision {
  fire: boolean;
  /** The state to keep for the next check; the same object as the input when nothing changed. */
  state: RuleRunState;
}

/** What woke the rule: an event of a type, or the timer that re-checks conditions on time. */
export type RuleTrigger = { kind: "event"; type: string } | { kind: "timer" } | { kind: "schedule" };

/**
 * Decides, without I/O, whether `automation` fires for `run` at `now` (epoch ms).
 * - An event automation listens only to its events; on the timer only when its condition uses time
 *   (a stuck run emits nothing, so `(now - started) > 5 minutes` is re-checked on a timer).
 * - A schedule automation is checked when its cron fires (`schedule`).
 * - A disabled automation never fires. No condition means always.
 * Fires once per run, or with `repeat: true` on each rise from not matching to matching.
 */
export function decideRule(
  automation: Automation,
  run: AgentRun,
  now: number,
  previous: RuleRunState | undefined,
  trigger: RuleTrigger,
): RuleDecision {
  const state = previous ?? INITIAL_RULE_STATE;
  if (!automation.enabled || !listens(automation, trigger)) return { fire: false, state };
  const matching = automation.condition ? automation.condition.evaluate(run, now) : true;
  const fire = matching && (automation.repeat ? !state.matching : state.firedCount === 0);
  if (!fire) return { fire: false, state: matching === state.matching ? state : { ...state, matching } };
  return { fire: true, state: { matching, firedCount: state.firedCount + 1, lastFiredAt: now } };
}

/** Whether the trigger is one this automation reacts to. */
export function listens(automation: Automation, trigger: RuleTrigger): boolean {
  if (automation.triggerType === "schedule") return trigger.kind === "schedule";
  if (trigger.kind === "event") return (automation.events as readonly string[]).includes(trigger.type);
  if (trigger.kind === "timer") return automation.condition?.usesTime === true;
  return false;
}

/** Whether the timer needs to re-check this automation at all: enabled, event-triggered, time-dependent. */
export function needsTimer(automation: Automation): boolean {
  return automation.enabled && automation.triggerType === "event" && automation.condition?.usesTime === true;
}
