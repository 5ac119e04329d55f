/**
 * A writer process for fault tests: keeps `runs` runs busy for `ms`, printing
 * "ack <id> <version>" after each commit and "error <code> <message>" for each
 * write that failed, then writes once more to each run and prints "carried on".
 *   node --import tsx test/helpers/fault-writer-process.ts <databaseUrl> <runs> <ms>
 */
import { createProgress } from "../../src/progress/index.js";

const [databaseUrl, count = "20", ms = "2000"] = process.argv.slice(2);
if (!databaseUrl) throw new Error("usage: fault-writer-process <databaseUrl> <runs> <ms>");
const progress = createProgress({ databaseUrl, sweepIntervalMs: 0 });
const say = (line: string) => process.stdout.write(`${line}\n`);
const runs = await Promise.all(
  Array.from({ length: Number(count) }, (_, i) => progress.startRun({ owner: "ann", title: `run ${i}` })),
);
say("ready");
const until = Date.now() + Number(ms);
await Promise.all(
  runs.map(async (run) => {
    for (let i = 1; Date.now() < until; i++) {
      try {
        const updated = await progress.updateRunProgress(run.id, "ann", { percent: i % 100 });
        say(`ack ${run.id} ${updated?.version}`);
      } catch (error) {
        const { code, message } = error as { code?: string; message: string };
        say(`error ${code} ${message.replace(/\n/g, " ")}`);
      }
    }
  }),
);
// Carrying on: a write after a failure goes through (once the kills have stopped, a second try at most).
for (const run of runs) {
  for (let attempt = 1; ; attempt++) {
    try {
      const updated = await progress.updateRunProgress(run.id, "ann", { percent: 100 });
      say(`ack ${run.id} ${updated?.version}`);
      break;
    } catch (error) {
      if (attempt === 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
say("carried on");
await progress.close();
// Exit even if the driver revived a connection it was told to end (a reconnect timer it does not cancel).
process.exit(0);
