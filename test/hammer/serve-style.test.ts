import { describe, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { expectClean, followScenario } from "./follow-scenario.js";
import { budget, createRuns, scaled, writeRunsFile } from "./harness.js";
import type { HammerConfig } from "./protocol.js";

const OWNER = "hammer";
const RUNS = 30;
const WRITES_PER_RUN = scaled(40);
const OWN_RUNS = 5;

describe("hammer: two `headway serve`-style processes and a CLI-style writer on one file", () => {
  it(
    "each server's subscriber sees every commit once, in order, and every run's last state; no ack is lost",
    async () => {
      const path = tempDatabasePath();
      const ids = await createRuns(path, OWNER, RUNS);
      const runsFile = writeRunsFile(path, ids);
      const base = { db: path, owner: OWNER, runsFile, merge: { writesPerRun: WRITES_PER_RUN }, startRuns: OWN_RUNS };
      const server = { ...base, writerThread: true, follow: true, subscribe: true, exitWhenDone: false };
      const configs: HammerConfig[] = [
        { ...server, name: "serve-a" },
        { ...server, name: "serve-b" },
        // Like `headway manage-progress`: the main thread, no following.
        { ...base, name: "cli", writerThread: false, follow: false, subscribe: false, exitWhenDone: true },
      ];
      expectClean(await followScenario(path, OWNER, ids, configs));
    },
    budget(45_000),
  );
});
