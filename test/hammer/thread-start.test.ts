/**
 * The smallest reproduction of what the process hammers find most often: a
 * batch planned by an instance whose writer thread has not opened its
 * connection yet is committed over whatever another connection committed
 * meanwhile. Two instances in one process stand in for two processes (each
 * has its own connections), which makes the interleaving certain instead of
 * likely: B submits (and plans), A commits, then B's thread starts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { sleep } from "./harness.js";

const OWNER = "hammer";
const TRIALS = 5;

const open: Progress[] = [];
afterEach(async () => {
  for (const progress of open.splice(0)) await progress.close();
});

function instances() {
  const path = tempDatabasePath();
  const a = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
  open.push(a);
  const startB = () => {
    const b = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread: true } });
    open.push(b);
    return b;
  };
  return { a, startB };
}

describe("hammer, reduced: another connection commits while a writer thread is starting", () => {
  it(`keeps the other connection's acknowledged merge (${TRIALS} fresh writer threads)`, async () => {
    const { a, startB } = instances();
    const run = await a.startRun({ owner: OWNER, title: "shared" });
    const lost: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const b = startB();
      const fromB = b.updateRunProgress(run.id, OWNER, { metadata: { [`b${trial}`]: trial } });
      await sleep(10); // B has planned; its thread is still starting
      const fromA = await a.updateRunProgress(run.id, OWNER, { metadata: { [`a${trial}`]: trial } });
      expect(fromA?.metadata).toHaveProperty(`a${trial}`);
      await fromB;
      const stored = await a.getRun(run.id, OWNER);
      if (!stored || !Object.hasOwn(stored.metadata, `a${trial}`)) lost.push(`a${trial}`);
      await b.close();
    }
    const stored = await a.getRun(run.id, OWNER);
    expect(
      lost,
      `lost ${lost.length} of ${TRIALS} acknowledged keys; stored metadata ${JSON.stringify(stored?.metadata)}, ` +
        `version ${stored?.version} (expected ${1 + 2 * TRIALS})`,
    ).toEqual([]);
  });

  it(`never acknowledges one run as both failed and succeeded (${TRIALS} fresh writer threads)`, async () => {
    const { a, startB } = instances();
    const twice: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const run = await a.startRun({ owner: OWNER, title: `trial ${trial}` });
      const b = startB();
      const fromB = b.completeRun(run.id, OWNER, "succeeded");
      await sleep(10);
      const fromA = await a.completeRun(run.id, OWNER, "failed");
      const [bRun, aRun] = [await fromB, fromA];
      if (aRun && bRun) twice.push(`${run.id}: A got ${aRun.status}, B got ${bRun.status}`);
      await b.close();
    }
    expect(twice, `${twice.length} of ${TRIALS} runs acknowledged with two statuses`).toEqual([]);
  });
});
