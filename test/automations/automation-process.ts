/**
 * A separate process running the automations on a shared database, as a second
 * `headway serve` would:
 *   node --import tsx test/automations/automation-process.ts <database-url> <dir>
 * Prints "ready" once running and each log line as "log <automation> <run> <message>";
 * on SIGTERM closes the engine and the store and exits 0.
 */
import { runAutomations } from "../../src/automations/index.js";
import { createProgress } from "../../src/progress/index.js";

const [databaseUrl, dir] = process.argv.slice(2);
if (!databaseUrl || !dir) throw new Error("usage: automation-process <database-url> <dir>");
const progress = createProgress({ databaseUrl, followExternalWrites: true, sweepIntervalMs: 0 });
progress.on("rules:error", (error) => process.stdout.write(`error ${String(error)}\n`));
const engine = await runAutomations(progress, {
  dir,
  timerIntervalMs: 100,
  feedIntervalMs: 50,
  onLog: (entry) => process.stdout.write(`log ${entry.automation ?? "-"} ${entry.runId ?? "-"} ${entry.message}\n`),
});
await engine.idle();
process.stdout.write("ready\n");
// The engine's timers do not hold a process open (a server's socket does): this one does, until SIGTERM.
const alive = setInterval(() => {}, 60_000);
process.once("SIGTERM", () => {
  clearInterval(alive);
  void (async () => {
    await engine.close();
    await progress.close();
    process.exit(0);
  })();
});
