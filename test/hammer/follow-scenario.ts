/**
 * The scenario behind the subscriber hammers: processes write (merging unique
 * keys) into shared runs and runs of their own, some of them subscribing
 * (following the other processes' commits too). Once every write is done,
 * the final stored version of each run is read back, the subscribers get a
 * moment to deliver it, and the checker looks at each subscriber's log and
 * at every acknowledgement.
 */
import { expect } from "vitest";
import {
  type AckViolation,
  checkAcks,
  checkEventOrder,
  checkFinalStatesDelivered,
  type DeliveryViolation,
  describeViolations,
  type OrderViolation,
} from "./checker.js";
import {
  allExited,
  awaitDelivery,
  budget,
  errorSummary,
  eventsOf,
  linesOf,
  quit,
  readRuns,
  startTogether,
  writesDone,
} from "./harness.js";
import type { HammerConfig } from "./protocol.js";

export interface SubscriberReport {
  name: string;
  events: number;
  order: OrderViolation[];
  delivery: DeliveryViolation[];
  /** How long after the last write it delivered every final state; null: it never did before the deadline. */
  caughtUpMs: number | null;
}

export interface FollowOutcome {
  runs: number;
  acks: number;
  lost: AckViolation[];
  subscribers: SubscriberReport[];
  errors: string;
  /** Subscribing processes that did not close and exit cleanly when told to quit. */
  quitProblems: string[];
}

export async function followScenario(
  path: string,
  owner: string,
  sharedIds: readonly string[],
  configs: HammerConfig[],
  catchUpMs = budget(5_000),
): Promise<FollowOutcome> {
  const procs = await startTogether(configs);
  await writesDone(procs, budget(30_000));
  const writers = procs.filter((_proc, i) => configs[i]?.exitWhenDone);
  const subscribers = procs.filter((_proc, i) => !configs[i]?.exitWhenDone);
  await allExited(writers);

  const ids = [...sharedIds, ...linesOf(procs, "started").map((line) => line.runId)];
  const stored = await readRuns(path, owner, ids);
  const finals = new Map<string, number>();
  for (const [id, run] of stored) if (run) finals.set(id, run.version);

  const caughtUp = await Promise.all(subscribers.map((proc) => awaitDelivery(proc, finals, catchUpMs)));
  const acks = linesOf(procs, "ack");
  const outcome: FollowOutcome = {
    runs: ids.length,
    acks: acks.length,
    lost: checkAcks(acks, stored),
    subscribers: subscribers.map((proc, i) => {
      const events = eventsOf(proc);
      return {
        name: proc.name,
        events: events.length,
        order: checkEventOrder(events),
        delivery: checkFinalStatesDelivered(events, finals),
        caughtUpMs: caughtUp[i] ?? null,
      };
    }),
    errors: errorSummary(procs),
    quitProblems: [],
  };
  // Checked after the logs: a subscriber that cannot close is reported beside them, not instead of them.
  const quits = await Promise.allSettled(subscribers.map((proc) => quit(proc)));
  for (const result of quits) if (result.status === "rejected") outcome.quitProblems.push(String(result.reason));
  return outcome;
}

/** Figures for the failure message of one subscriber. */
export function subscriberSummary(report: SubscriberReport): string {
  const caught =
    report.caughtUpMs === null
      ? "never delivered every final state"
      : `every final state delivered ${report.caughtUpMs} ms after the read-back`;
  return `${report.name}: ${report.events} events, ${caught}`;
}

/**
 * Soft expectations, so one run reports every kind of failure with its
 * figures: per subscriber, order and delivery; over all clients, lost keys.
 */
export function expectClean(outcome: FollowOutcome): void {
  const errors = outcome.errors ? `\nerrors:\n${outcome.errors}` : "";
  for (const report of outcome.subscribers) {
    expect(report.events, `${report.name} heard nothing: the harness is broken`).toBeGreaterThan(0);
    expect
      .soft(
        report.order.length,
        `${subscriberSummary(report)}; order violations:\n${describeViolations(report.order)}${errors}`,
      )
      .toBe(0);
    expect
      .soft(
        report.delivery.length,
        `${report.delivery.length} of ${outcome.runs} runs' final state never reached ${report.name}; ` +
          `${subscriberSummary(report)}\n${describeViolations(report.delivery)}${errors}`,
      )
      .toBe(0);
  }
  expect
    .soft(
      outcome.lost.length,
      `lost ${outcome.lost.length} of ${outcome.acks} acknowledged keys\n${describeViolations(outcome.lost)}${errors}`,
    )
    .toBe(0);
}
