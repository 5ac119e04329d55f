import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { checkAcks, describeViolations } from "./checker.js";
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
const RUNS = 40;
const WRITES_PER_RUN = scaled(60);

const on = true;
const off = false;
const cases: Array<[string, boolean[]]> = [
  ["2 writers, both on the main thread", [off, off]],
  ["2 writers, both on a writer thread", [on, on]],
  ["2 writers, one on a writer thread, one on the main thread", [on, off]],
  ["3 writers: thread, thread, main", [on, on, off]],
];

describe("hammer: no acknowledged write is lost", () => {
  it.each(cases)(
    "%s merging unique metadata keys into the same runs",
    async (_label, threads) => {
      const path = tempDatabasePath();
      const ids = await createRuns(path, OWNER, RUNS);
      const runsFile = writeRunsFile(path, ids);
      const configs: HammerConfig[] = threads.map((writerThread, i) => ({
        db: path,
        name: `p${i}`,
        owner: OWNER,
        writerThread,
        follow: false,
        subscribe: false,
        runsFile,
        merge: { writesPerRun: WRITES_PER_RUN },
        exitWhenDone: true,
      }));
      const procs = await startTogether(configs);
      await writesDone(procs, budget(25_000));
      await Promise.all(procs.map((proc) => proc.exited));

      const acks = linesOf(procs, "ack");
      const stored = await readRuns(path, OWNER, ids);
      const violations = checkAcks(acks, stored);
      const attempted = threads.length * RUNS * WRITES_PER_RUN;
      const errors = errorSummary(procs);
      const lost = violations.filter((violation) => violation.kind === "lost-key").length;
      expect(
        violations.length,
        `lost ${lost} of ${acks.length} acknowledged keys (${attempted} attempted; writers: ${threads
          .map((thread) => (thread ? "thread" : "main"))
          .join(", ")})\n${describeViolations(violations)}${errors ? `\nerrors:\n${errors}` : ""}`,
      ).toBe(0);
      // Not a durability violation, but a harness that acknowledged nothing proves nothing.
      expect(acks.length, `too few acknowledgements to mean anything; errors:\n${errors}`).toBeGreaterThan(
        attempted / 2,
      );
    },
    budget(40_000),
  );
});
