import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { type CompletionAnswer, checkCompletions, describeViolations } from "./checker.js";
import {
  budget,
  createRuns,
  errorSummary,
  linesOf,
  readRuns,
  scaled,
  startTogether,
  writeRunsFile,
  writesDone,
} from "./harness.js";
import type { HammerConfig } from "./protocol.js";

const OWNER = "hammer";
const RUNS = scaled(1500);

const on = true;
const off = false;
const cases: Array<[string, [boolean, boolean], "same" | "own"]> = [
  ["both on the main thread, in the same random order", [off, off], "same"],
  ["both on a writer thread, in the same random order", [on, on], "same"],
  ["both on a writer thread, each in its own random order", [on, on], "own"],
  ["thread against main thread, in the same random order", [on, off], "same"],
  ["thread against main thread, each in its own random order", [on, off], "own"],
];

describe("hammer: no run is acknowledged as completed with two different statuses", () => {
  it.each(cases)(
    "two processes complete the same runs, one succeeded, one failed: %s",
    async (_label, threads, order) => {
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
        complete: {
          status: statuses[i] ?? "failed",
          seed: order === "same" ? 42 : 42 + i,
          concurrency: 32,
          warmUp: true,
        },
        exitWhenDone: true,
      }));
      const procs = await startTogether(configs);
      await writesDone(procs, budget(25_000));
      await Promise.all(procs.map((proc) => proc.exited));

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
