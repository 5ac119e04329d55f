import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { checkEventOrder, checkFinalStatesDelivered, describeViolations, type SeenEvent } from "./checker.js";
import { budget, scaled } from "./harness.js";

const OWNER = "hammer";
const ROUNDS = scaled(50);
const RUNS = 10;
const WRITES_PER_RUN = 5;

/** Different points in a batch's life at which the subscriber arrives. */
const pauses: Array<() => Promise<void>> = [
  () => new Promise((resolve) => setImmediate(resolve)),
  () => new Promise((resolve) => setImmediate(() => setImmediate(resolve))),
  () => new Promise((resolve) => setTimeout(resolve, 0)),
  () => new Promise((resolve) => setTimeout(resolve, 1)),
  () => new Promise((resolve) => setTimeout(resolve, 3)),
];

let progress: Progress | undefined;
afterEach(async () => {
  await progress?.close();
  progress = undefined;
});

describe.each([
  ["on a writer thread", true],
  ["on the main thread", false],
])("hammer: a subscriber joining while batches are out, committing %s", (_label, writerThread) => {
  it(
    `receives every change committed after it subscribed (${ROUNDS} rounds)`,
    async () => {
      const path = tempDatabasePath();
      progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
      const p = progress;
      const missedByRound: string[] = [];
      let missed = 0;
      let disorder = 0;
      const examples: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Nobody listens while the runs start and the writes go out.
        const runs = await Promise.all(
          Array.from({ length: RUNS }, (_, i) => p.startRun({ owner: OWNER, title: `round ${round} run ${i}` })),
        );
        const writes = runs.flatMap((run) =>
          Array.from({ length: WRITES_PER_RUN }, (_, n) =>
            p.updateRunProgress(run.id, OWNER, { percent: (n + 1) * 10, metadata: { [`w${n}`]: n } }),
          ),
        );
        await pauses[round % pauses.length]!();

        const events: SeenEvent[] = [];
        const unsubscribe = p.subscribe((event) => {
          events.push({
            id: event.id,
            type: event.type,
            runId: event.run?.id ?? null,
            version: event.run?.version ?? null,
          });
        });
        // What the subscriber may take as known: the state right after it subscribed.
        const known = new Map<string, number>();
        for (const run of runs) known.set(run.id, (await p.getRun(run.id, OWNER))?.version ?? 0);

        await Promise.all(writes);
        await p.flush();
        const finals = new Map<string, number>();
        for (const run of runs) finals.set(run.id, (await p.getRun(run.id, OWNER))?.version ?? 0);
        unsubscribe();

        const delivery = checkFinalStatesDelivered(events, finals, known);
        const order = checkEventOrder(events);
        if (delivery.length > 0) missedByRound.push(`round ${round}: ${delivery.length}/${RUNS}`);
        missed += delivery.length;
        disorder += order.length;
        if (examples.length < 3 && delivery.length + order.length > 0) {
          examples.push(`round ${round}:\n${describeViolations([...delivery, ...order], 2)}`);
        }
      }
      const total = ROUNDS * RUNS;
      expect(
        missed + disorder,
        `${missed} of ${total} runs' final state never reached a subscriber that joined mid-flight ` +
          `(${missedByRound.length} of ${ROUNDS} rounds: ${missedByRound.slice(0, 10).join(", ")}); ` +
          `${disorder} order violations\n${examples.join("\n")}`,
      ).toBe(0);
    },
    budget(30_000),
  );
});
