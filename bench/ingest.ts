/**
 * Durable ingest through the public API: 1,000 concurrent runs each sending
 * updates with `updateRunProgress` on SQLite (WAL, synchronous=FULL).
 *   node --import tsx bench/ingest.ts [--trials 5] [--seconds 3]
 * Two shapes of load: each run awaiting every update before the next (in
 * flight = 1), and each run keeping a few updates in flight (an agent that
 * reports from a stream without waiting), which group commit collapses.
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
  p99: number;
  rowWritesPerUpdate: number;
}

async function trial(runCount: number, inFlight: number, seconds: number, writerThread: boolean): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), "headway-bench-"));
  const progress = createProgress({
    databaseUrl: join(dir, "bench.db"),
    sweepIntervalMs: 0,
    storeOptions: { writerThread },
  });
  try {
    const runs = await Promise.all(
      Array.from({ length: runCount }, (_, i) =>
        progress.startRun({ owner: `owner-${i % 20}`, title: `Document batch ${i}` }),
      ),
    );
    const latencies: number[] = [];
    const before = { ...progress.store.stats };
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    let updates = 0;
    const worker = async (run: (typeof runs)[number], lane: number) => {
      for (let i = lane; performance.now() < deadline; i += inFlight) {
        const t0 = performance.now();
        await progress.updateRunProgress(run.id, run.owner, {
          percent: (i % 200) / 2,
          step: `classifying ${i % 200}/200`,
        });
        latencies.push(performance.now() - t0);
        updates++;
      }
    };
    await Promise.all(runs.flatMap((run) => Array.from({ length: inFlight }, (_, lane) => worker(run, lane))));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      updatesPerSecond: updates / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      rowWritesPerUpdate: (progress.store.stats.rowWrites - before.rowWrites) / updates,
    };
  } finally {
    await progress.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function ingestBench(options: { trials: number; seconds: number }): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  for (const [writerThread, inFlight] of [
    [false, 1],
    [true, 1],
    [false, 4],
    [true, 4],
  ] as const) {
    const results: Trial[] = [];
    for (let i = 0; i < options.trials; i++) results.push(await trial(1000, inFlight, options.seconds, writerThread));
    rows.push([
      `1,000 runs × ${inFlight} in flight, ${writerThread ? "writer thread" : "main thread"}`,
      fmt(median(results.map((r) => r.updatesPerSecond))),
      fmt(median(results.map((r) => r.p50)), 2),
      fmt(median(results.map((r) => r.p99)), 2),
      fmt(median(results.map((r) => r.rowWritesPerUpdate)), 2),
    ]);
  }
  return [
    `Ingest through updateRunProgress, SQLite WAL synchronous=FULL — medians of ${options.trials} trials of ${options.seconds} s`,
    "",
    table(["load", "updates/s", "p50 resolve (ms)", "p99 resolve (ms)", "row writes per update"], rows),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { trials: { type: "string", default: "5" }, seconds: { type: "string", default: "3" } },
  });
  console.log(`Machine: ${machine()}\n`);
  console.log(await ingestBench({ trials: Number(values.trials), seconds: Number(values.seconds) }));
}
