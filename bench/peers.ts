/**
 * Side by side with BullMQ: one workload, both systems, one run, interleaved
 * trials (A B, B A, …), medians reported.
 *   node --import tsx bench/peers.ts [--trials 7] [--runs 1000] [--updates 100000]
 *        [--callers 64,1000] [--follow-trials 3] [--follow-seconds 3] [--no-follow] [--events-maxlen 200000]
 *        [--postgres URL] [--no-postgres]
 *
 * Workload: 1,000 runs (BullMQ: 1,000 jobs added to a fresh queue; Headway:
 * 1,000 `startRun`), then 100,000 `{ percent, step }` updates spread over
 * them from a pool of N callers, each awaiting its update before the next.
 * Caller c owns the runs r with r % N === c, so one run never has two updates
 * in flight and every update is its own event on both sides.
 *
 * - BullMQ: `job.updateProgress({ percent, step, t })` from this process,
 *   against the Redis at 127.0.0.1:6379; a `QueueEvents` listener in a
 *   separate process (bench/peers-listener.ts) stamps every `progress` event.
 *   Each trial uses a fresh queue, obliterated afterwards.
 * - Headway: `createProgress` on a temporary SQLite file, synchronous=FULL,
 *   with a subscriber (`progress.subscribe`) stamping every event in process,
 *   as a server always has one. Events are matched to their send time by the
 *   sequence number in the step.
 * - Headway (PostgreSQL): the same, on a fresh schema of the server at
 *   --postgres (default $HEADWAY_BENCH_POSTGRES_URL, else
 *   postgres://postgres@127.0.0.1:5432/test), dropped afterwards; --no-postgres skips it.
 *
 * Times come from performance.timeOrigin + performance.now() in every process.
 *
 * Second part (--follow): another process writes through its own instance on
 * one SQLite file (bench/peers-follow-writer.ts) at 5,000 updates/s and then
 * as fast as it can; this process follows it (`followExternalWrites: true`)
 * with a subscriber and reports write → receipt.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Job, Queue } from "bullmq";
import { createProgress } from "../src/progress/index.js";
import { dropSchema } from "./postgres-schema.js";
import { fmt, machine, median, percentile, table } from "./stats.js";

const redisClient = `ioredis ${(createRequire(import.meta.url)("ioredis/package.json") as { version: string }).version}`;

const now = () => performance.timeOrigin + performance.now();
const connection = {
  host: process.env.REDIS_HOST ?? "127.0.0.1",
  port: Number(process.env.REDIS_PORT ?? 6379),
};

interface Trial {
  updatesPerSecond: number;
  callP50: number;
  callP99: number;
  deliveryP50: number;
  deliveryP99: number;
  /** Events received by the listener / updates acknowledged. */
  delivered: number;
}

interface Workload {
  runs: number;
  updates: number;
  callers: number;
}

/**
 * Drives `updates` calls from `callers` concurrent callers. `call(seq, run)`
 * issues update number `seq` on run index `run` and resolves when the system
 * acknowledges it. Returns call latencies and the elapsed seconds.
 */
async function drive(
  workload: Workload,
  sentAt: Float64Array,
  call: (seq: number, run: number) => Promise<unknown>,
): Promise<{ seconds: number; latencies: Float64Array }> {
  const latencies = new Float64Array(workload.updates);
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: workload.callers }, async (_, caller) => {
      const owned: number[] = [];
      for (let r = caller % workload.runs; r < workload.runs; r += workload.callers) owned.push(r);
      if (owned.length === 0) owned.push(caller % workload.runs);
      for (let i = 0; next < workload.updates; i++) {
        const seq = next++;
        const t0 = now();
        sentAt[seq] = t0;
        await call(seq, owned[i % owned.length] as number);
        latencies[seq] = now() - t0;
      }
    }),
  );
  return { seconds: (now() - started) / 1000, latencies };
}

const sorted = (values: ArrayLike<number>) => Float64Array.from(values).sort();

function summarise(
  workload: Workload,
  run: { seconds: number; latencies: Float64Array },
  delivery: ArrayLike<number>,
): Trial {
  const calls = sorted(run.latencies);
  const received = sorted(delivery);
  return {
    updatesPerSecond: workload.updates / run.seconds,
    callP50: percentile(calls, 0.5),
    callP99: percentile(calls, 0.99),
    deliveryP50: percentile(received, 0.5),
    deliveryP99: percentile(received, 0.99),
    delivered: received.length / workload.updates,
  };
}

// ---------------------------------------------------------------- BullMQ

function reply<T>(child: ChildProcess, kind: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off("message", onMessage);
      reject(new Error(`no "${kind}" from the child process in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: { kind: string; message?: string }) => {
      if (message.kind !== kind && message.kind !== "error") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      if (message.kind === "error") reject(new Error(message.message));
      else resolve(message as T);
    };
    child.on("message", onMessage);
  });
}

let queueCount = 0;

async function bullmqTrial(listener: ChildProcess, workload: Workload, eventsMaxLen: number): Promise<Trial> {
  const name = `headway-peers-${process.pid}-${queueCount++}`;
  // BullMQ trims its event stream to about `maxLen` entries (10,000 by
  // default); a listener that falls further behind loses the oldest events.
  const queue = new Queue(name, { connection, streams: { events: { maxLen: eventsMaxLen } } });
  try {
    await queue.waitUntilReady();
    const listening = reply(listener, "listening", 10_000);
    listener.send({ kind: "listen", queue: name });
    await listening;
    const jobs: Job[] = await queue.addBulk(
      Array.from({ length: workload.runs }, (_, i) => ({ name: "document-batch", data: { i } })),
    );
    const sentAt = new Float64Array(workload.updates);
    const run = await drive(workload, sentAt, (seq, r) =>
      (jobs[r] as Job).updateProgress({ percent: (seq % 200) / 2, step: `step ${seq}`, t: sentAt[seq] }),
    );
    const result = reply<{ received: number; latencies: number[] }>(listener, "result", 120_000);
    listener.send({ kind: "collect", expected: workload.updates, idleMs: 10_000 });
    const { latencies } = await result;
    return summarise(workload, run, latencies);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

// ---------------------------------------------------------------- Headway

let schemaCount = 0;

/** One Headway trial: on a temporary SQLite file, or on a fresh schema of the PostgreSQL at `postgresUrl`. */
async function headwayTrial(workload: Workload, writerThread: boolean, postgresUrl?: string): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), "headway-peers-"));
  const schema = `hw_bench_${process.pid}_${schemaCount++}`;
  const progress = createProgress({
    databaseUrl: postgresUrl ?? join(dir, "bench.db"),
    sweepIntervalMs: 0,
    storeOptions: postgresUrl ? { schema } : { synchronous: "FULL", writerThread },
  });
  try {
    const sentAt = new Float64Array(workload.updates);
    const delivery: number[] = [];
    progress.subscribe((event) => {
      const at = now();
      if (event.type !== "run.progress.updated") return;
      const step = event.payload.step;
      if (step?.startsWith("step ")) delivery.push(at - (sentAt[Number(step.slice(5))] as number));
    });
    const runs = await Promise.all(
      Array.from({ length: workload.runs }, (_, i) =>
        progress.startRun({ owner: `owner-${i % 20}`, title: `Document batch ${i}` }),
      ),
    );
    const run = await drive(workload, sentAt, (seq, r) => {
      const target = runs[r] as (typeof runs)[number];
      return progress.updateRunProgress(target.id, target.owner, { percent: (seq % 200) / 2, step: `step ${seq}` });
    });
    await progress.flush();
    return summarise(workload, run, delivery);
  } finally {
    await progress.close();
    rmSync(dir, { recursive: true, force: true });
    if (postgresUrl) await dropSchema(postgresUrl, schema);
  }
}

// ---------------------------------------------------------------- following another process

interface FollowTrial {
  rate: number;
  sent: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
}

async function followTrial(rate: number, seconds: number, runs: number): Promise<FollowTrial> {
  const dir = mkdtempSync(join(tmpdir(), "headway-follow-"));
  const databaseUrl = join(dir, "bench.db");
  const progress = createProgress({
    databaseUrl,
    sweepIntervalMs: 0,
    followExternalWrites: true,
    storeOptions: { synchronous: "FULL" },
  });
  const writer = fork("bench/peers-follow-writer.ts", [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const delivery: number[] = [];
    let lastReceipt = now();
    progress.subscribe((event) => {
      const at = now();
      if (event.type !== "run.progress.updated") return;
      const step = event.payload.step;
      if (!step?.startsWith("w ")) return;
      lastReceipt = at;
      delivery.push(at - Number(step.slice(2)));
    });
    const done = reply<{ sent: number; seconds: number }>(writer, "done", (seconds + 60) * 1000);
    writer.send({ kind: "write", databaseUrl, runs, rate, seconds, callers: runs });
    const { sent, seconds: elapsed } = await done;
    while (delivery.length < sent && now() - lastReceipt < 3000) await new Promise((r) => setTimeout(r, 10));
    const received = sorted(delivery);
    return {
      rate: sent / elapsed,
      sent,
      received: received.length,
      p50: percentile(received, 0.5),
      p99: percentile(received, 0.99),
      max: received[received.length - 1] ?? Number.NaN,
    };
  } finally {
    writer.kill();
    await progress.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

const met = (ok: boolean) => (ok ? "**met**" : "**not met**");

export async function peersBench(options: {
  trials: number;
  runs: number;
  updates: number;
  callers: number[];
  follow: boolean;
  followTrials: number;
  followSeconds: number;
  eventsMaxLen: number;
  /** A PostgreSQL server for the "Headway (PostgreSQL)" row; none skips it. */
  postgresUrl?: string;
}): Promise<string> {
  const listener = fork("bench/peers-listener.ts", [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const out: string[] = [];
  const results = new Map<string, Trial[]>();
  const key = (system: string, callers: number) => `${system}/${callers}`;
  const systems: Record<string, { label: string; trial: (workload: Workload) => Promise<Trial> }> = {
    bullmq: {
      label: "BullMQ (Redis, QueueEvents in another process)",
      trial: (workload) => bullmqTrial(listener, workload, options.eventsMaxLen),
    },
    headway: { label: "Headway (SQLite FULL, subscriber)", trial: (workload) => headwayTrial(workload, false) },
    "headway-thread": {
      label: "Headway (SQLite FULL, subscriber, writer thread as `headway serve`)",
      trial: (workload) => headwayTrial(workload, true),
    },
  };
  const { postgresUrl } = options;
  if (postgresUrl) {
    systems["headway-pg"] = {
      label: "Headway (PostgreSQL, subscriber)",
      trial: (workload) => headwayTrial(workload, false, postgresUrl),
    };
  }
  const names = Object.keys(systems);
  try {
    // Warm-up, untimed: JIT, Redis connections, SQLite pages.
    const warm = { runs: options.runs, updates: Math.min(options.updates, 10_000), callers: 64 };
    for (const name of names) await systems[name]?.trial(warm);
    for (let t = 0; t < options.trials; t++) {
      for (const callers of options.callers) {
        const workload = { runs: options.runs, updates: options.updates, callers };
        // Interleaved: each trial starts with the next system, so none always runs first or last.
        const order = names.map((_, i) => names[(i + t) % names.length] as string);
        for (const system of order) {
          const trial = await (systems[system] as (typeof systems)[string]).trial(workload);
          const list = results.get(key(system, callers)) ?? [];
          list.push(trial);
          results.set(key(system, callers), list);
          process.stderr.write(
            `trial ${t + 1}/${options.trials} ${system} N=${callers}: ${fmt(trial.updatesPerSecond)} updates/s, ` +
              `call p99 ${fmt(trial.callP99, 1)} ms, delivery p99 ${fmt(trial.deliveryP99, 1)} ms, ` +
              `delivered ${fmt(trial.delivered * 100, 1)}%\n`,
          );
        }
      }
    }
  } finally {
    listener.send({ kind: "exit" });
  }

  const rows: Array<Array<string | number>> = [];
  const verdicts: string[] = [];
  for (const callers of options.callers) {
    const med = (system: string, pick: (t: Trial) => number) =>
      median((results.get(key(system, callers)) ?? []).map(pick));
    const bullRate = med("bullmq", (t) => t.updatesPerSecond);
    const bullP99 = med("bullmq", (t) => t.deliveryP99);
    const bullTrials = results.get(key("bullmq", callers)) ?? [];
    for (const system of names) {
      const rate = med(system, (t) => t.updatesPerSecond);
      // Each trial ran right next to a BullMQ one, so under the same background load: the median of
      // those pairs' ratios is steadier than the ratio of the medians on a shared machine.
      const paired = median(
        (results.get(key(system, callers)) ?? []).map(
          (t, i) => t.updatesPerSecond / (bullTrials[i]?.updatesPerSecond ?? Number.NaN),
        ),
      );
      rows.push([
        systems[system]?.label ?? system,
        fmt(callers),
        fmt(rate),
        fmt(
          med(system, (t) => t.callP50),
          2,
        ),
        fmt(
          med(system, (t) => t.callP99),
          2,
        ),
        fmt(
          med(system, (t) => t.deliveryP50),
          2,
        ),
        fmt(
          med(system, (t) => t.deliveryP99),
          2,
        ),
        `${fmt(med(system, (t) => t.delivered) * 100, 1)}%`,
        system === "bullmq" ? "1×" : `**${fmt(rate / bullRate, 2)}×** (paired: ${fmt(paired, 2)}×)`,
      ]);
      if (system === "bullmq") continue;
      // PostgreSQL's own target (the scale-out issue): BullMQ's rate with 1,000 callers; SQLite's: 2× and 2.5×.
      if (system === "headway-pg" && callers < 1000) continue;
      const target = system === "headway-pg" ? 1 : callers >= 1000 ? 2.5 : 2;
      const ratio = rate / bullRate;
      const p99 = med(system, (t) => t.deliveryP99);
      verdicts.push(
        `- ${systems[system]?.label}, ${fmt(callers)} callers: updates/s ${fmt(ratio, 2)}× BullMQ, paired ${fmt(paired, 2)}× ` +
          `(target ≥ ${target}×): ${met(ratio >= target && paired >= target)}; ` +
          `update→subscriber p99 ${fmt(p99, 2)} ms vs BullMQ ${fmt(bullP99, 2)} ms (target: no worse): ${met(p99 <= bullP99)}`,
      );
    }
  }
  out.push(
    `Side by side with BullMQ — ${fmt(options.runs)} runs, ${fmt(options.updates)} updates per trial, ` +
      `medians of ${options.trials} interleaved trials (taken on a shared machine: other work may be running). ` +
      `BullMQ's event stream is kept to ~${fmt(options.eventsMaxLen)} entries (its default is 10,000, with which ` +
      "a listener that falls behind loses events; pass --events-maxlen 10000 to see it).",
    "",
    table(
      [
        "system",
        "callers",
        "updates/s",
        "call p50 (ms)",
        "call p99 (ms)",
        "update→subscriber p50 (ms)",
        "p99 (ms)",
        "delivered",
        "updates/s vs BullMQ",
      ],
      rows,
    ),
    "",
    "Targets:",
    ...verdicts,
  );

  if (options.follow) {
    const followRows: Array<Array<string | number>> = [];
    const followVerdicts: string[] = [];
    for (const [label, rate, limit] of [
      ["5,000 updates/s", 5000, 25],
      ["as fast as it can (1,000 callers)", 0, 100],
    ] as const) {
      const trials: FollowTrial[] = [];
      for (let t = 0; t < options.followTrials; t++) {
        const trial = await followTrial(rate, options.followSeconds, options.runs);
        trials.push(trial);
        process.stderr.write(
          `follow ${label} trial ${t + 1}/${options.followTrials}: ${fmt(trial.rate)} updates/s, ` +
            `p99 ${fmt(trial.p99, 1)} ms, received ${trial.received}/${trial.sent}\n`,
        );
      }
      const p99 = median(trials.map((t) => t.p99));
      followRows.push([
        label,
        fmt(median(trials.map((t) => t.rate))),
        fmt(median(trials.map((t) => t.p50)), 2),
        fmt(p99, 2),
        fmt(median(trials.map((t) => t.max)), 1),
        `${fmt(median(trials.map((t) => t.received / t.sent)) * 100, 1)}%`,
      ]);
      followVerdicts.push(`- ${label}: p99 ${fmt(p99, 1)} ms (target < ${limit} ms): ${met(p99 < limit)}`);
    }
    out.push(
      "",
      `Another process's writes reaching a following instance's subscribers (\`followExternalWrites: true\`), ` +
        `${fmt(options.runs)} runs, medians of ${options.followTrials} trials of ${options.followSeconds} s. ` +
        '"delivered" counts events against writes: a run written several times between two reads of the feed ' +
        "is published once, in its latest state, so under 100% is folding, not loss; latencies are measured on the " +
        "writes whose state was published.",
      "",
      table(
        ["writer's load", "updates/s written", "write→receipt p50 (ms)", "p99 (ms)", "max (ms)", "delivered"],
        followRows,
      ),
      "",
      "Targets:",
      ...followVerdicts,
    );
  }
  return out.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      trials: { type: "string", default: "7" },
      runs: { type: "string", default: "1000" },
      updates: { type: "string", default: "100000" },
      callers: { type: "string", default: "64,1000" },
      "no-follow": { type: "boolean", default: false },
      "events-maxlen": { type: "string", default: "200000" },
      "follow-trials": { type: "string", default: "3" },
      "follow-seconds": { type: "string", default: "3" },
      postgres: {
        type: "string",
        default: process.env.HEADWAY_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
      },
      "no-postgres": { type: "boolean", default: false },
    },
  });
  console.log(`Machine: ${machine()} (shared with other work while measured)\n`);
  console.log(`BullMQ's Redis client: ${redisClient}\n`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" / ");
  const loadBefore = load();
  console.log(
    await peersBench({
      trials: Number(values.trials),
      runs: Number(values.runs),
      updates: Number(values.updates),
      callers: values.callers.split(",").map(Number),
      follow: !values["no-follow"],
      eventsMaxLen: Number(values["events-maxlen"]),
      followTrials: Number(values["follow-trials"]),
      followSeconds: Number(values["follow-seconds"]),
      postgresUrl: values["no-postgres"] ? undefined : values.postgres,
    }),
  );
  console.log(`\nLoad average (1 / 5 / 15 min) before: ${loadBefore}; after: ${load()} (on ${cpus().length} cores).`);
  process.exit(0);
}
