/**
 * The writing process for `bench/peers.ts --follow`: its own Headway instance
 * on the file the main process follows, as the CLI or a worker would be.
 * Every update's step carries its send time (performance.timeOrigin +
 * performance.now()), so the following process can time write → receipt.
 *
 * IPC (parent → child): { kind: "write", databaseUrl, runs, rate, seconds, callers }
 *   rate > 0: that many updates/s, paced, not awaited one by one (an agent
 *   fleet reporting on a schedule); rate 0: as fast as it can, `callers`
 *   concurrent callers each awaiting its update.
 * Replies { kind: "done", sent, seconds } and exits.
 */
import { createProgress } from "../src/progress/index.js";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WriteMessage {
  kind: "write";
  databaseUrl: string;
  runs: number;
  rate: number;
  seconds: number;
  callers: number;
}

process.once("message", (message: WriteMessage) => {
  write(message).then(
    (result) => process.send?.({ kind: "done", ...result }, () => process.exit(0)),
    (error: unknown) => {
      process.send?.({ kind: "error", message: error instanceof Error ? error.stack : String(error) }, () =>
        process.exit(1),
      );
    },
  );
});

async function write(options: WriteMessage): Promise<{ sent: number; seconds: number }> {
  const progress = createProgress({
    databaseUrl: options.databaseUrl,
    sweepIntervalMs: 0,
    storeOptions: { synchronous: "FULL" },
  });
  try {
    const runs = await Promise.all(
      Array.from({ length: options.runs }, (_, i) =>
        progress.startRun({ owner: `owner-${i % 20}`, title: `Follow ${i}` }),
      ),
    );
    process.send?.({ kind: "started" });
    await sleep(200); // let the follower publish the started runs before timing begins
    let sent = 0;
    const update = (i: number, runIndex = i % runs.length) => {
      const run = runs[runIndex] as (typeof runs)[number];
      sent++;
      return progress.updateRunProgress(run.id, run.owner, {
        percent: (i % 100) + 0.5,
        step: `w ${now().toFixed(3)}`,
      });
    };
    const started = now();
    const deadline = started + options.seconds * 1000;
    if (options.rate > 0) {
      // Round-robin over the runs, skipping a run whose last update is still
      // in flight: two updates to one run in one batch would be one row write
      // and one event, which would read as a lost event downstream.
      const pending: Array<Promise<unknown>> = [];
      const busy = new Uint8Array(runs.length);
      let issued = 0;
      let cursor = 0;
      while (now() < deadline) {
        const due = Math.floor(((now() - started) / 1000) * options.rate);
        for (let tries = 0; issued < due && tries < runs.length; tries++) {
          const r = cursor++ % runs.length;
          if (busy[r]) continue;
          busy[r] = 1;
          pending.push(update(issued++, r).finally(() => (busy[r] = 0)));
        }
        await sleep(1);
      }
      await Promise.all(pending);
    } else {
      // Caller c owns the runs r with r % callers === c, so no two updates to
      // one run are ever in flight together (each is its own event).
      await Promise.all(
        Array.from({ length: options.callers }, async (_, caller) => {
          const owned = runs.map((_, r) => r).filter((r) => r % options.callers === caller);
          for (let i = 0; now() < deadline && owned.length > 0; i++) {
            await update(i, owned[i % owned.length]);
          }
        }),
      );
    }
    return { sent, seconds: (now() - started) / 1000 };
  } finally {
    await progress.close();
  }
}
