/**
 * A writer process for the server-restart test: keeps `runs` runs busy for
 * `ms`, each run's writes one after another, and logs every outcome:
 *   "ack <id> <version> <percent> <ms>"   a write committed (the promise resolved), after <ms>
 *   "error <id> <code> <ms> <message>"    a write rejected, after <ms>
 * Then writes once more to each run, trying again (every 250 ms, up to 30 s)
 * until it goes through, reads it back ("readerror <id> <code> …" for a read
 * that failed, then tried again), waits until its own subscription has seen
 * every run's last version ("seen <id> <version>"), and prints "carried on".
 *   node --import tsx test/helpers/restart-writer-process.ts <databaseUrl> <runs> <ms> <name>
 */
import { createProgress } from "../../src/progress/index.js";

const [databaseUrl, count = "10", ms = "8000", name = "w"] = process.argv.slice(2);
if (!databaseUrl) throw new Error("usage: restart-writer-process <databaseUrl> <runs> <ms> <name>");
const progress = createProgress({ databaseUrl, sweepIntervalMs: 0, storeOptions: { pollIntervalMs: 200 } });
const say = (line: string) => process.stdout.write(`${line}\n`);
// Background failures (the follower reading the feed while the server is down) are expected here: counted, not printed.
let backgroundErrors = 0;
progress.on("follow:error", () => backgroundErrors++);
progress.on("store:error", () => backgroundErrors++);
const seen = new Map<string, number>();
progress.subscribe((event) => {
  if (event.run) seen.set(event.run.id, Math.max(seen.get(event.run.id) ?? 0, event.run.version));
});

async function write(id: string, percent: number): Promise<boolean> {
  const t0 = performance.now();
  try {
    const run = await progress.updateRunProgress(id, "ann", { percent, step: `step ${percent}` });
    say(`ack ${id} ${run?.version} ${percent} ${Math.round(performance.now() - t0)}`);
    return true;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    say(`error ${id} ${code} ${Math.round(performance.now() - t0)} ${String(message).replace(/\s+/g, " ")}`);
    return false;
  }
}

const runs = await Promise.all(
  Array.from({ length: Number(count) }, (_, i) => progress.startRun({ owner: "ann", title: `${name} run ${i}` })),
);
for (const run of runs) say(`ack ${run.id} ${run.version} -1 0`);
say("ready");
const until = Date.now() + Number(ms);
await Promise.all(
  runs.map(async (run) => {
    for (let i = 1; Date.now() < until; i++) {
      // A failed write is not retried: the next one carries a new percent. A short pause keeps a
      // writer from spinning while the server is down.
      if (!(await write(run.id, i % 100))) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }),
);
say("load over");
const last = new Map<string, number>();
await Promise.all(
  runs.map(async (run) => {
    const deadline = Date.now() + 30_000;
    while (!(await write(run.id, 100))) {
      if (Date.now() > deadline) throw new Error(`${run.id}: no write went through within 30 s of the load`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (;;) {
      try {
        last.set(run.id, (await progress.getRun(run.id, "ann"))?.version ?? 0);
        break;
      } catch (error) {
        const { code, message } = error as { code?: string; message?: string };
        say(`readerror ${run.id} ${code} ${Date.now()} ${String(message).replace(/\s+/g, " ")}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }),
);
// The follower (LISTEN, and the poll behind it) came back too: every run's last version reaches subscribers.
const deadline = Date.now() + 15_000;
while ([...last].some(([id, version]) => (seen.get(id) ?? 0) < version) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
for (const [id] of last) say(`seen ${id} ${seen.get(id) ?? 0}`);
say(`background-errors ${backgroundErrors}`);
say("carried on");
await progress.close();
process.exit(0);
