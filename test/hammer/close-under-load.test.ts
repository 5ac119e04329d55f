import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { checkAcks, describeViolations, type MergeAck } from "./checker.js";
import { budget, readRuns, sleep } from "./harness.js";

const OWNER = "hammer";
const RUNS = 20;
/** "At once": a write after close must be rejected well within this, and nothing may stay pending past HANG_MS. */
const AT_ONCE_MS = 250;
const HANG_MS = budget(3_000);

type Settled =
  | { state: "resolved"; value: unknown }
  | { state: "rejected"; error: unknown; ms: number }
  | { state: "pending" };

/** How `promise` stands after at most `ms`. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<Settled> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ state: "pending" }), ms);
  });
  const settled = promise.then(
    (value): Settled => ({ state: "resolved", value }),
    (error: unknown): Settled => ({ state: "rejected", error, ms: Date.now() - started }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isClosedError = (error: unknown) => {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === "HeadwayClosedError" && code === "closed";
};

function describeSettled(settled: Settled): string {
  if (settled.state === "pending") return `still pending after ${AT_ONCE_MS} ms`;
  if (settled.state === "resolved") return `resolved with ${JSON.stringify(settled.value)?.slice(0, 80)}`;
  const { name, code, message } = (settled.error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  return `rejected after ${settled.ms} ms with ${String(name)} (code ${String(code)}): ${String(message)}`;
}

let progress: Progress | undefined;
afterEach(async () => {
  // A close that hangs was already reported by the test; do not hang the hook on it too.
  if (progress) await settleWithin(progress.close(), 2_000);
  progress = undefined;
});

/** Every write method, called on a run that existed before close. */
function everyWrite(p: Progress, id: string): Record<string, () => Promise<unknown>> {
  return {
    startRun: () => p.startRun({ owner: OWNER, title: "after close" }),
    updateRunProgress: () => p.updateRunProgress(id, OWNER, { percent: 50 }),
    completeRun: () => p.completeRun(id, OWNER, "succeeded"),
    heartbeat: () => p.heartbeat(id, OWNER),
    requestCancel: () => p.requestCancel(id, OWNER),
    deleteRun: () => p.deleteRun(id, OWNER),
  };
}

async function expectEveryWriteClosed(p: Progress, id: string, when: string): Promise<void> {
  const outcomes: string[] = [];
  for (const [name, write] of Object.entries(everyWrite(p, id))) {
    const settled = await settleWithin(write(), AT_ONCE_MS);
    if (!(settled.state === "rejected" && isClosedError(settled.error)))
      outcomes.push(`${name}: ${describeSettled(settled)}`);
  }
  expect(
    outcomes,
    `writes ${when} must reject at once with HeadwayClosedError (code "closed"); instead:\n${outcomes.join("\n")}`,
  ).toEqual([]);
}

describe.each([
  ["on a writer thread", true],
  ["on the main thread", false],
])("hammer: closing under load, committing %s", (_label, writerThread) => {
  async function loaded() {
    const path = tempDatabasePath();
    const p = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
    progress = p;
    const runs = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => p.startRun({ owner: OWNER, title: `r${i}` })),
    );
    return { path, p, ids: runs.map((run) => run.id) };
  }

  it("settles every write in flight when close() is called, and keeps every write it acknowledged", async () => {
    const { path, p, ids } = await loaded();
    const acks: MergeAck[] = [];
    const failures: unknown[] = [];
    let closeCalled = false;
    let afterCloseAcks = 0;
    let settledLoops = 0;
    // Each run: one write at a time, until a write is refused (bounded, should close never refuse them).
    const loops = ids.map(async (runId) => {
      try {
        for (let n = 0; n < 2_000; n++) {
          const key = `k${n}`;
          const submittedAfterClose = closeCalled;
          try {
            await p.updateRunProgress(runId, OWNER, { metadata: { [key]: n } });
          } catch (error) {
            failures.push(error);
            return;
          }
          acks.push({ proc: "self", runId, key, value: n });
          if (submittedAfterClose) afterCloseAcks++;
        }
      } finally {
        settledLoops++;
      }
    });
    await sleep(100);
    closeCalled = true;
    const closing = settleWithin(p.close(), HANG_MS);
    const loopsSettled = await settleWithin(Promise.all(loops), HANG_MS);
    const closed = await closing;

    expect(closed.state, `close() under load: ${describeSettled(closed)}`).toBe("resolved");
    expect(
      loopsSettled.state,
      `writes in flight at close(): ${RUNS - settledLoops} of ${RUNS} writers still waiting after ${HANG_MS} ms`,
    ).toBe("resolved");
    const otherErrors = failures.filter((error) => !isClosedError(error));
    const kinds = [...new Set(otherErrors.map(String))];
    expect(
      otherErrors.length,
      `${otherErrors.length} of ${failures.length} writes refused around close() failed with something else than ` +
        `HeadwayClosedError: ${kinds.join("; ")}`,
    ).toBe(0);
    expect(afterCloseAcks, "writes submitted after close() was called were acknowledged").toBe(0);

    const stored = await readRuns(path, OWNER, ids);
    const lost = checkAcks(acks, stored);
    expect(lost.length, `lost ${lost.length} of ${acks.length} acknowledged keys\n${describeViolations(lost)}`).toBe(0);
  });

  it("rejects a write made while close() is under way at once, with HeadwayClosedError", async () => {
    const { p, ids } = await loaded();
    const inFlight = ids.map((id, n) => p.updateRunProgress(id, OWNER, { metadata: { [`k${n}`]: n } }));
    const closing = p.close();
    await expectEveryWriteClosed(p, ids[0]!, "made while close() is under way");
    expect((await settleWithin(Promise.allSettled([closing, ...inFlight]), HANG_MS)).state).toBe("resolved");
  });

  it("rejects every write after close() resolved at once, with HeadwayClosedError", async () => {
    const { p, ids } = await loaded();
    const inFlight = ids.map((id, n) => p.updateRunProgress(id, OWNER, { metadata: { [`k${n}`]: n } }));
    const closed = await settleWithin(p.close(), HANG_MS);
    expect(closed.state, `close() with writes in flight: ${describeSettled(closed)}`).toBe("resolved");
    expect((await settleWithin(Promise.allSettled(inFlight), HANG_MS)).state).toBe("resolved");
    await expectEveryWriteClosed(p, ids[0]!, "after close() resolved");
  });
});
