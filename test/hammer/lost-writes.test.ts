import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { checkAcks, describeViolations } from "./checker.js";
import {
  allExited,
  budget,
  createRuns,
  errorSummary,
  type HammerProcess,
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
const RUNS = 40;
const WRITES_PER_RUN = scaled(100);

const on = true;
const off = false;
/**
 * together: every process is open (a writer thread maybe still booting) when all get "go" at once.
 * thread-starting: the first (a writer-thread process) opens on "go" and submits its first writes; only
 * then do the others go, paced, so they commit while its writer thread is still starting.
 */
type Start = "together" | "thread-starting";
const cases: Array<[string, boolean[], Start]> = [
  ["2 writers, both on the main thread, started together", [off, off], "together"],
  ["2 writers, both on a writer thread, started together", [on, on], "together"],
  ["2 writers, one on a writer thread, one on the main thread, started together", [on, off], "together"],
  ["a main-thread writer committing while a writer-thread process starts its thread", [on, off], "thread-starting"],
  ["3 writers (thread, thread, main), started together", [on, on, off], "together"],
  [
    "3 writers: a writer-thread process starting its thread while a thread and a main-thread writer commit",
    [on, on, off],
    "thread-starting",
  ],
];

describe("hammer: no acknowledged write is lost", () => {
  it.each(cases)(
    "%s, merging unique metadata keys into the same runs",
    async (_label, threads, start) => {
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
      let procs: HammerProcess[];
      if (start === "thread-starting") {
        const starting = { ...configs[0]!, openOnGo: true };
        // Paced, so the lock is mostly free when the writer thread finally opens its connection.
        const paced = configs.slice(1).map((config) => ({ ...config, pauseMs: 10 }));
        procs = await startStaggered([starting], paced, (proc) => said(proc, "writing"));
      } else {
        procs = await startTogether(configs);
      }
      await writesDone(procs, budget(30_000));
      await allExited(procs);

      const acks = linesOf(procs, "ack");
      const stored = await readRuns(path, OWNER, ids);
      const violations = checkAcks(acks, stored);
      const attempted = threads.length * RUNS * WRITES_PER_RUN;
      const errors = errorSummary(procs);
      const lost = violations.filter((violation) => violation.kind === "lost-key").length;
      const writers = threads.map((thread, i) => `p${i}: ${thread ? "writer thread" : "main thread"}`).join(", ");
      expect(
        violations.length,
        `lost ${lost} of ${acks.length} acknowledged keys (${attempted} attempted; ${writers})\n` +
          `${describeViolations(violations)}${errors ? `\nerrors:\n${errors}` : ""}`,
      ).toBe(0);
      // Not a durability violation, but a harness that acknowledged little proves little.
      expect(acks.length, `too few acknowledgements to mean anything; errors:\n${errors}`).toBeGreaterThan(
        attempted / 2,
      );
    },
    budget(40_000),
  );
});
