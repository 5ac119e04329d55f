import { describe, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { expectClean, followScenario } from "./follow-scenario.js";
import { budget, createRuns, scaled, writeRunsFile } from "./harness.js";
import type { HammerConfig } from "./protocol.js";

const OWNER = "hammer";
const RUNS = 30;
const WRITES_PER_RUN = scaled(60);
const OWN_RUNS = 5;

describe("hammer: a following subscriber sees every commit once, in commit order, and every run's last state", () => {
  it.each([
    ["one other writer (main thread)", [false]],
    ["two other writers (main thread, writer thread)", [false, true]],
  ])(
    "while it writes too, with %s",
    async (_label, others) => {
      const path = tempDatabasePath();
      const ids = await createRuns(path, OWNER, RUNS);
      const runsFile = writeRunsFile(path, ids);
      const base = { db: path, owner: OWNER, runsFile, merge: { writesPerRun: WRITES_PER_RUN }, startRuns: OWN_RUNS };
      const configs: HammerConfig[] = [
        // Configured as `headway serve` is: a writer thread, following other processes' commits.
        { ...base, name: "follower", writerThread: true, follow: true, subscribe: true, exitWhenDone: false },
        ...others.map((writerThread, i) => ({
          ...base,
          name: `w${i}`,
          writerThread,
          follow: false,
          subscribe: false,
          exitWhenDone: true,
        })),
      ];
      expectClean(await followScenario(path, OWNER, ids, configs));
    },
    budget(45_000),
  );
});
