/**
 * `npm run bench`: every benchmark, each in its own process so one's heap and
 * file handles never colour another's figures. Prints markdown tables.
 * Pass `--quick` for a short smoke run (fewer trials, fewer rows), and
 * `--peers` for the side-by-side with BullMQ alone (bench/peers.ts; needs the
 * Redis at 127.0.0.1:6379).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { machine } from "./stats.js";

const quick = process.argv.includes("--quick");
const peers = process.argv.includes("--peers");
const allBenches: Array<[file: string, args: string[]]> = [
  ["bench/ingest.ts", quick ? ["--trials", "1", "--seconds", "1"] : ["--trials", "5", "--seconds", "3"]],
  ["bench/list.ts", quick ? ["--rows", "50000", "--trials", "1"] : ["--rows", "1000000", "--trials", "5"]],
  ["bench/fanout.ts", quick ? ["--clients", "200"] : []],
  ["bench/rollup.ts", quick ? ["--trials", "1", "--seconds", "1"] : ["--trials", "5", "--seconds", "3"]],
];
const peerBenches: Array<[file: string, args: string[]]> = [
  [
    "bench/peers.ts",
    quick ? ["--trials", "1", "--updates", "20000", "--follow-trials", "1", "--follow-seconds", "2"] : [],
  ],
];
// `--soak`: slow stream clients under a heavy writer (bench/soak.ts, about 20 s; 5 s with --quick). Not run by default.
const soakBenches: Array<[file: string, args: string[]]> = [["bench/soak.ts", quick ? ["--seconds", "5"] : []]];
const benches = process.argv.includes("--soak") ? soakBenches : peers ? peerBenches : allBenches;

console.log(`# Headway benchmarks\n\nMachine: ${machine()}\n`);
let failed = 0;
for (const [file, args] of benches) {
  if (!existsSync(file)) continue;
  const result = spawnSync(process.execPath, ["--import", "tsx", file, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Each bench prints its own "Machine:" line when run alone; here it is printed once above.
  const output = result.stdout.toString().replace(/^Machine: .*\n\n?/m, "");
  console.log(`## ${file}\n\n${output}`);
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
