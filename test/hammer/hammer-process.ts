/**
 * One client of a hammer test: a separate process writing (and maybe
 * following) through the library, logging every acknowledgement only after
 * its promise resolved.
 *   node --import tsx test/hammer/hammer-process.ts '<HammerConfig as JSON>'
 * It says "ready" once open (and subscribed; with `openOnGo`, before opening),
 * waits for "go" on stdin, writes,
 * says "writes-done", then closes and exits, or keeps following until "quit".
 * A closed stdin (the test died) ends it at once.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createProgress } from "../../src/progress/index.js";
import { formatLine, type HammerConfig, type HammerLine } from "./protocol.js";

const config = JSON.parse(process.argv[2] ?? "") as HammerConfig;
const say = (line: Exclude<HammerLine, { kind: "unknown" }>) => process.stdout.write(`${formatLine(line)}\n`);
const messageOf = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

process.on("unhandledRejection", (error) => {
  process.stderr.write(`[${config.name}] unhandled rejection: ${messageOf(error)}\n`);
  process.exit(70);
});

function open() {
  const instance = createProgress({
    databaseUrl: config.db,
    sweepIntervalMs: 0,
    followExternalWrites: config.follow,
    storeOptions: { writerThread: config.writerThread },
  });
  if (config.subscribe) {
    instance.subscribe((event) => {
      const run = event.run;
      say({ kind: "event", id: event.id, type: event.type, runId: run?.id ?? null, version: run?.version ?? null });
    });
  }
  return instance;
}

const commands = createInterface({ input: process.stdin });
const waiters = new Map<string, () => void>();
commands.on("line", (line) => waiters.get(line.trim())?.());
let quitting = false;
commands.on("close", () => {
  if (quitting) return;
  // The test is gone: never outlive it. Said on stderr, so a test that is still there can tell this exit apart.
  process.stderr.write(`[${config.name}] stdin closed before "quit": exiting\n`);
  process.exit(0);
});
const command = (name: string) => new Promise<void>((resolve) => waiters.set(name, resolve));

const go = command("go");
const opened = config.openOnGo ? undefined : open();
if (config.bootWrite) await opened?.startRun({ owner: "boot", title: `${config.name} booted` });
say({ kind: "ready" });
await go;
let progress = opened ?? open();

const shared: string[] = config.runsFile ? (JSON.parse(readFileSync(config.runsFile, "utf8")) as string[]) : [];
const own = await Promise.all(
  Array.from({ length: config.startRuns ?? 0 }, async (_, i) => {
    try {
      const run = await progress.startRun({ owner: config.owner, title: `${config.name} run ${i}` });
      say({ kind: "started", runId: run.id });
      return run.id;
    } catch (error) {
      say({ kind: "error", op: "start", runId: "-", message: messageOf(error) });
      return undefined;
    }
  }),
);
const runs = [...shared, ...own.filter((id): id is string => id !== undefined)];

const pause = () => (config.pauseMs ? new Promise((resolve) => setTimeout(resolve, config.pauseMs)) : undefined);
const phases = Math.max(1, config.phases ?? 1);
/** Items [from, to) of `length` that phase `phase` covers. */
const slice = (length: number, phase: number) =>
  [Math.floor((length * phase) / phases), Math.floor((length * (phase + 1)) / phases)] as const;

for (let phase = 0; phase < phases; phase++) {
  if (phase > 0) {
    // A fresh instance, as the next CLI call would open: a new connection, a new writer thread.
    await progress.close();
    progress = open();
  }
  const instance = progress;

  if (config.merge) {
    const [from, to] = slice(config.merge.writesPerRun, phase);
    const loops = Promise.all(
      runs.map(async (runId) => {
        for (let n = from; n < to; n++) {
          const key = `${config.name}-${n}`;
          try {
            const run = await instance.updateRunProgress(runId, config.owner, { metadata: { [key]: n } });
            say(run ? { kind: "ack", runId, key, value: n } : { kind: "gone", runId, key });
          } catch (error) {
            say({ kind: "error", op: "merge", runId, message: messageOf(error) });
          }
          await pause();
        }
      }),
    );
    say({ kind: "writing" }); // every run's first write of the phase is submitted
    await loops;
  }

  if (config.complete) {
    const { status, seed, concurrency, touchFirst } = config.complete;
    const order = shuffle(runs, seed).slice(...slice(runs.length, phase));
    if (touchFirst) {
      await Promise.all(
        order.map((runId) =>
          instance.updateRunProgress(runId, config.owner, { step: `${config.name} about to finish` }).catch((error) => {
            say({ kind: "error", op: "touch", runId, message: messageOf(error) });
          }),
        ),
      );
    }
    let next = 0;
    const slots = Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < order.length; i = next++) {
          const runId = order[i] as string;
          try {
            const run = await instance.completeRun(runId, config.owner, status);
            say(
              run
                ? { kind: "completed", runId, requested: status, status: run.status }
                : { kind: "refused", runId, requested: status },
            );
          } catch (error) {
            say({ kind: "error", op: "complete", runId, message: messageOf(error) });
          }
          await pause();
        }
      }),
    );
    say({ kind: "writing" });
    await slots;
  }
}

say({ kind: "writes-done" });
if (!config.exitWhenDone) await command("quit");
quitting = true;
await progress.close();
say({ kind: "closed" });
process.exit(0);

/** Fisher-Yates with mulberry32: the same seed gives the same order in every process. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
