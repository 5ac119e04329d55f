/**
 * The cost of a child's write as its siblings grow: one run updated again and
 * again through `updateRunProgress`, each update awaited before the next
 * (SQLite, WAL, synchronous=FULL, main thread), once for a run with no parent
 * and once for one child of a parent with `--siblings` children.
 *   node --import tsx bench/rollup.ts [--trials 5] [--seconds 3] [--siblings 5000] [--dir /dev/shm]
 * `--dir` is where the database file goes (default: the OS temp directory);
 * on tmpfs an fsync costs nothing, which leaves the CPU cost alone.
 * Main-thread CPU per update is the process's user + system time over the
 * updates (the fsync wait is not CPU time).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createProgress } from "../src/progress/index.js";
import { fmt, machine, median, percentile, table } from "./stats.js";

interface Trial {
  updatesPerSecond: number;
  p50: number;
  cpuMsPerUpdate: number;
}

async function trial(siblings: number, seconds: number, where: string): Promise<Trial> {
  const dir = mkdtempSync(join(where, "headway-bench-"));
  const progress = createProgress({ databaseUrl: join(dir, "bench.db"), sweepIntervalMs: 0 });
  try {
    const owner = "owner";
    let target = await progress.startRun({ owner, title: "the run updated" });
    if (siblings > 0) {
      const parent = await progress.startRun({ owner, title: "orchestrator" });
      for (let i = 0; i < siblings; i += 500) {
        const started = await Promise.all(
          Array.from({ length: Math.min(500, siblings - i) }, (_, j) =>
            progress.startRun({ owner, title: `sub-agent ${i + j}`, parentId: parent.id }),
          ),
        );
        if (i === 0) target = started[0] ?? target;
      }
    }
    const latencies: number[] = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now();
      await progress.updateRunProgress(target.id, owner, { percent: i % 101, step: `item ${i}` });
      latencies.push(performance.now() - t0);
    }
    const elapsed = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    latencies.sort((a, b) => a - b);
    return {
      updatesPerSecond: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      cpuMsPerUpdate: (used.user + used.system) / 1000 / latencies.length,
    };
  } finally {
    await progress.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function rollupBench(options: {
  trials: number;
  seconds: number;
  siblings: number;
  dir: string;
}): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  for (const [label, siblings] of [
    ["a run with no parent", 0],
    [`one child of ${fmt(options.siblings)} siblings`, options.siblings],
  ] as const) {
    const results: Trial[] = [];
    for (let i = 0; i < options.trials; i++) results.push(await trial(siblings, options.seconds, options.dir));
    rows.push([
      label,
      fmt(median(results.map((r) => r.updatesPerSecond))),
      fmt(median(results.map((r) => r.p50)), 2),
      fmt(median(results.map((r) => r.cpuMsPerUpdate)), 3),
    ]);
  }
  return [
    `One run updated with updateRunProgress, each update awaited, SQLite WAL synchronous=FULL, main thread, database in ${options.dir} — medians of ${options.trials} trials of ${options.seconds} s`,
    "",
    table(["run updated", "updates/s", "p50 resolve (ms)", "CPU per update (ms)"], rows),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      trials: { type: "string", default: "5" },
      seconds: { type: "string", default: "3" },
      siblings: { type: "string", default: "5000" },
      dir: { type: "string", default: tmpdir() },
    },
  });
  console.log(`Machine: ${machine()}\n`);
  console.log(
    await rollupBench({
      trials: Number(values.trials),
      seconds: Number(values.seconds),
      siblings: Number(values.siblings),
      dir: values.dir,
    }),
  );
}
