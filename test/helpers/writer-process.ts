/**
 * A separate process writing through the library, for tests of what crosses
 * processes: durability under SIGKILL and change tailing.
 *   node --import tsx test/helpers/writer-process.ts <db> <mode> [runs] [thread]
 * mode "hammer": start `runs` runs and update them forever, printing "ack <id> <version>" after each commit.
 * mode "once": start one run, update it to 40%, print its id, exit.
 */
import { createProgress } from "../../src/progress/index.js";

const [path, mode, count = "1000", thread] = process.argv.slice(2);
if (!path || !mode) throw new Error("usage: writer-process <db> <mode> [runs] [thread]");
const progress = createProgress({
  databaseUrl: path,
  sweepIntervalMs: 0,
  storeOptions: { writerThread: thread === "thread" },
});

if (mode === "once") {
  const run = await progress.startRun({ owner: "ann", title: "from another process", step: "starting" });
  await progress.updateRunProgress(run.id, "ann", { percent: 40, step: "halfway, elsewhere" });
  process.stdout.write(`${run.id}\n`);
  await progress.close();
} else {
  const runs = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) => progress.startRun({ owner: `owner-${i % 7}`, title: `run ${i}` })),
  );
  process.stdout.write("ready\n");
  await Promise.all(
    runs.map(async (run) => {
      for (let i = 1; ; i++) {
        const updated = await progress.updateRunProgress(run.id, run.owner, { percent: i % 101, step: `item ${i}` });
        // Printed only after the promise resolved, i.e. after commit: an acknowledged write.
        process.stdout.write(`ack ${run.id} ${updated?.version}\n`);
      }
    }),
  );
}
