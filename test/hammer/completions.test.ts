import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { type CompletionAnswer, checkCompletions, describeViolations } from "./checker.js";
import {
  allExited,
  budget,
  createRuns,
  errorSummary,
  linesOf,
  readRuns,
  said,
  scaled,
  startStaggered,
  startTogether,
  writeRunsFile,
  writesDone,
} from "./harness.js";
import type { HammerConfig } from "./protocol.js";

const OWNER = "hammer";
const RUNS = scaled(1500);

const on = true;
const off = false;

interface Case {
  threads: [boolean, boolean];
  /** same: both walk the runs in one random order, so they collide on each run; own: each its own order. */
  order: "same" | "own";
  /** Each first writes a step to every run, so it holds every row (maybe stale) when it completes. */
  touchFirst: boolean;
  /** Each makes one write before "go", so its writer thread is up: only races in steady state remain. */
  bootWrite: boolean;
  /**
   * The first (a writer-thread process) opens on "go" and submits its first completions; only then does
   * the other go, paced, so it completes those runs while that writer thread is still starting.
   */
  threadStarting?: boolean;
}

const cases: Array<[string, Case]> = [
  ["both on the main thread, same order", { threads: [off, off], order: "same", touchFirst: false, bootWrite: false }],
  ["both on a writer thread, same order", { threads: [on, on], order: "same", touchFirst: false, bootWrite: false }],
  [
    "a main-thread process completing while a writer-thread process starts its thread, same order",
    { threads: [on, off], order: "same", touchFirst: false, bootWrite: false, threadStarting: true },
  ],
  [
    "thread against main thread, own orders, each run updated first",
    { threads: [on, off], order: "own", touchFirst: true, bootWrite: false },
  ],
  [
    "both on a writer thread already up, own orders, each run updated first",
    { threads: [on, on], order: "own", touchFirst: true, bootWrite: true },
  ],
];

describe("hammer: no run is acknowledged as completed with two different statuses", () => {
  it.each(cases)(
    "two processes complete the same runs, one succeeded, one failed: %s",
    async (_label, { threads, order, touchFirst, bootWrite, threadStarting }) => {
      const path = tempDatabasePath();
      const ids = await createRuns(path, OWNER, RUNS);
      const runsFile = writeRunsFile(path, ids);
      const statuses = ["succeeded", "failed"] as const;
      const configs: HammerConfig[] = threads.map((writerThread, i) => ({
        db: path,
        name: `p${i}`,
        owner: OWNER,
        writerThread,
        follow: false,
        subscribe: false,
        runsFile,
        bootWrite,
        complete: {
          status: statuses[i] ?? "failed",
          seed: order === "same" ? 42 : 42 + i,
          concurrency: 32,
          touchFirst,
        },
        exitWhenDone: true,
      }));
      const procs = threadStarting
        ? await startStaggered([{ ...configs[0]!, openOnGo: true }], [{ ...configs[1]!, pauseMs: 30 }], (proc) =>
            said(proc, "writing"),
          )
        : await startTogether(configs);
      await writesDone(procs, budget(25_000));
      await allExited(procs);

      const answers: CompletionAnswer[] = [
        ...linesOf(procs, "completed").map((line) => ({ ...line, outcome: "acked" as const })),
        ...linesOf(procs, "refused").map((line) => ({ ...line, outcome: "refused" as const })),
        ...linesOf(procs, "error")
          .filter((line) => line.op === "complete")
          .map((line) => ({
            proc: line.proc,
            runId: line.runId,
            requested: statuses[Number(line.proc.slice(1))] ?? "?",
            outcome: "error" as const,
          })),
      ];
      const stored = await readRuns(path, OWNER, ids);
      const violations = checkCompletions(answers, stored);
      const twice = violations.filter((violation) => violation.kind === "acked-twice").length;
      const acked = answers.filter((answer) => answer.outcome === "acked").length;
      const errors = errorSummary(procs);
      expect(
        violations.length,
        `${twice} of ${RUNS} runs acknowledged as both succeeded and failed (${acked} acknowledgements in all)\n` +
          `${describeViolations(violations)}${errors ? `\nerrors:\n${errors}` : ""}`,
      ).toBe(0);
      // Every run was answered by both, and the run was completed by someone.
      expect(answers.length, `answers missing; errors:\n${errors}`).toBe(2 * RUNS);
      expect([...stored.values()].filter((run) => run?.status === "running").length).toBe(0);
    },
    budget(40_000),
  );
});
