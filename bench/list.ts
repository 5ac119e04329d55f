/**
 * `listRuns(owner, { activeOnly: true })` with 1,000,000 completed rows in the
 * table across many owners. The rows are seeded straight into SQLite in bulk
 * (through the public API it would take minutes); the queries then go through
 * the public library.
 *   node --import tsx bench/list.ts [--rows 1000000] [--trials 5]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { uuidv7 } from "uuidv7";
import { createProgress, type ListRunsOptions } from "../src/progress/index.js";
import { openSqliteDatabase } from "../src/store/index.js";
import { fmt, machine, median, percentile, table } from "./stats.js";

const OWNERS = 50;

export async function listBench(options: { rows: number; trials: number }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "headway-bench-list-"));
  const progress = createProgress({ databaseUrl: join(dir, "list.db"), sweepIntervalMs: 0 });
  try {
    // Seeded on a connection of its own: the store's connection is its own business.
    const db = openSqliteDatabase(join(dir, "list.db"));
    const insert = db.prepare(
      `INSERT INTO progress_runs (id, owner, title, step, percent, status, state, metadata, parent_id, cancel_requested,
        eta_ms, created_at, updated_at, completed_at, heartbeat_at, version, percent_set_by_run, samples, history_at)
       VALUES (?, ?, ?, ?, 100, 'succeeded', 'completed', '{}', NULL, 0, 0, ?, ?, ?, ?, 12, 1, X'', ?)`,
    );
    const seedStarted = performance.now();
    const base = Date.now() - 10 * 24 * 60 * 60 * 1000;
    for (let chunk = 0; chunk < options.rows; chunk += 50_000) {
      db.transaction(() => {
        for (let i = chunk; i < Math.min(options.rows, chunk + 50_000); i++) {
          const at = base + i;
          insert.run(uuidv7(), `owner-${i % OWNERS}`, `Completed job ${i}`, "done", at, at, at, at, at);
        }
      })();
    }
    db.close();
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    // A realistic handful of active runs per owner, written through the library.
    for (let i = 0; i < OWNERS * 5; i++)
      await progress.startRun({ owner: `owner-${i % OWNERS}`, title: `Active ${i}` });

    const rows: Array<Array<string | number>> = [];
    for (const [label, listOptions] of [
      ["activeOnly: true", { activeOnly: true }],
      ["all, newest 50", {}],
      ["all, page 2 (cursor)", "cursor"],
    ] as const) {
      const p50s: number[] = [];
      const p99s: number[] = [];
      for (let trial = 0; trial < options.trials; trial++) {
        const latencies: number[] = [];
        for (let i = 0; i < 2000; i++) {
          const owner = `owner-${i % OWNERS}`;
          let query: ListRunsOptions = listOptions === "cursor" ? {} : listOptions;
          if (listOptions === "cursor") {
            const first = await progress.listRuns(owner, { limit: 50 });
            query = { cursor: first.at(-1)?.id };
          }
          const t0 = performance.now();
          const runs = await progress.listRuns(owner, query);
          latencies.push(performance.now() - t0);
          if (runs.length === 0) throw new Error("benchmark saw an empty list");
        }
        latencies.sort((a, b) => a - b);
        p50s.push(percentile(latencies, 0.5));
        p99s.push(percentile(latencies, 0.99));
      }
      rows.push([label, fmt(median(p50s), 3), fmt(median(p99s), 3)]);
    }
    return [
      `listRuns with ${fmt(options.rows)} completed rows over ${OWNERS} owners (seeded in ${fmt(seedSeconds, 1)} s) — medians of ${options.trials} trials × 2,000 calls`,
      "",
      table(["query", "p50 (ms)", "p99 (ms)"], rows),
    ].join("\n");
  } finally {
    await progress.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { rows: { type: "string", default: "1000000" }, trials: { type: "string", default: "5" } },
  });
  console.log(`Machine: ${machine()}\n`);
  console.log(await listBench({ rows: Number(values.rows), trials: Number(values.trials) }));
}
