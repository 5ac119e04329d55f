/**
 * A reduction of the subscriber hammers to one fixed interleaving: a
 * following instance commits locally right after another connection
 * committed, before its tail has read that commit. Two instances in one
 * process stand in for two processes; the order of commits is fixed, so the
 * outcome does not depend on timing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { checkEventOrder, checkFinalStatesDelivered, describeViolations, type SeenEvent } from "./checker.js";
import { sleep } from "./harness.js";

const OWNER = "hammer";
const ROUNDS = 5;

const open: Progress[] = [];
afterEach(async () => {
  for (const progress of open.splice(0)) await progress.close();
});

describe.each([
  ["on a writer thread (as `headway serve`)", true],
  ["on the main thread", false],
])("hammer, reduced: a follower committing %s between another connection's commits", (_label, writerThread) => {
  it(`gives each event a fresh id in commit order and delivers every run's last state (${ROUNDS} rounds)`, async () => {
    const path = tempDatabasePath();
    const follower = createProgress({
      databaseUrl: path,
      sweepIntervalMs: 0,
      followExternalWrites: true,
      storeOptions: { writerThread },
    });
    const other = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    open.push(follower, other);
    const events: SeenEvent[] = [];
    follower.subscribe((event) => {
      events.push({
        id: event.id,
        type: event.type,
        runId: event.run?.id ?? null,
        version: event.run?.version ?? null,
      });
    });

    const run = await follower.startRun({ owner: OWNER, title: "shared" });
    for (let round = 0; round < ROUNDS; round++) {
      await other.updateRunProgress(run.id, OWNER, { metadata: { [`other${round}`]: round } });
      // Two local commits at once, before the tail (every 20 ms) has read the other's.
      await follower.updateRunProgress(run.id, OWNER, { metadata: { [`local${round}a`]: round } });
      await follower.updateRunProgress(run.id, OWNER, { metadata: { [`local${round}b`]: round } });
    }
    const final = (await other.getRun(run.id, OWNER))!;
    const finals = new Map([[run.id, final.version]]);
    const deadline = Date.now() + 2_000;
    while (checkFinalStatesDelivered(events, finals).length > 0 && Date.now() < deadline) await sleep(10);

    const violations = [...checkEventOrder(events), ...checkFinalStatesDelivered(events, finals)];
    expect(
      violations.length,
      `${violations.length} violations in ${events.length} events ` +
        `(ids: ${events.map((event) => `${event.id}@v${event.version}`).join(" ")})\n${describeViolations(violations)}`,
    ).toBe(0);
    expect(final.version, "a local write was built on a stale row").toBe(1 + 3 * ROUNDS);
  });
});
