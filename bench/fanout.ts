/**
 * Fan-out through the server: N concurrent SSE clients (in a separate
 * process, all on 127.0.0.1) while updates are published at a fixed rate,
 * spread over the runs of the clients' owners.
 *   node --import tsx bench/fanout.ts [--clients 1000,5000] [--rate 1000] [--seconds 10] [--per-owner 5]
 * Each owner has two runs and `--per-owner` open streams (tabs, devices), so
 * one update reaches that many clients. Latency is publish-to-receipt: from
 * just before `updateRunProgress` (so it includes the durable commit) to the
 * frame arriving in the client process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type AgentRun, createProgress } from "../src/progress/index.js";
import { startServer } from "../src/server/index.js";
import { fmt, machine, percentile, table } from "./stats.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KiB = 1024;

function rssAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

/** The client process, with its file-descriptor limit raised to the hard limit (one socket per client). */
function spawnClients(): ChildProcess {
  return spawn(
    "sh",
    [
      "-c",
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"',
      process.execPath,
      "--import",
      "tsx",
      "bench/fanout-clients.ts",
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
}

function reply<T>(child: ChildProcess, kind: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${kind}" from the client process in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: { kind: string; message?: string }) => {
      if (message.kind === "error") reject(new Error(message.message));
      if (message.kind !== kind && message.kind !== "error") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
  });
}

interface CaseResult {
  clients: number;
  connectMs: number;
  published: number;
  delivered: number;
  expected: number;
  seconds: number;
  p50: number;
  p99: number;
  idleKiB: number;
  idleHeapKiB: number;
  loadedKiB: number;
}

async function fanout(clients: number, perOwner: number, rate: number, seconds: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), "headway-fanout-"));
  const progress = createProgress({ databaseUrl: join(dir, "fanout.db"), sweepIntervalMs: 0 });
  const owners = Math.ceil(clients / perOwner);
  const tokens = progress.backend.tokens;
  const secrets: string[] = [];
  const runs: AgentRun[] = [];
  for (let o = 0; o < owners; o++) {
    const owner = `user-${o}@example.com`;
    secrets.push((await tokens.create({ owner })).token);
    runs.push(
      ...(await Promise.all([
        progress.startRun({ owner, title: `Triage inbox ${o}` }),
        progress.startRun({ owner, title: `Classify documents ${o}` }),
      ])),
    );
  }
  const server = await startServer({ progress, port: 0, dashboardDir: false });
  const child = spawnClients();
  try {
    // Memory per connection is the slope between half and all of the clients: fixed costs cancel out.
    const url = `${server.url}/_agent-native/runs/stream`;
    const half = Math.floor(clients / 2);
    child.send({ kind: "connect", url, tokens: secrets, from: 0, to: half });
    const first = await reply<{ clients: number; ms: number }>(child, "connected", 45_000);
    await sleep(500);
    const rssHalf = rssAfterGc();
    const heapHalf = process.memoryUsage().heapUsed;
    child.send({ kind: "connect", url, tokens: secrets, from: half, to: clients });
    const connected = await reply<{ clients: number; ms: number }>(child, "connected", 45_000);
    await sleep(500);
    const idle = rssAfterGc();
    const idleHeap = process.memoryUsage().heapUsed;
    const perConnection = (bytes: number) => bytes / (clients - half) / KiB;

    child.send({ kind: "measure" });
    await sleep(100);
    let published = 0;
    const writes: Promise<unknown>[] = [];
    const started = performance.now();
    // A fixed rate: every 10 ms, the updates due by now, round-robin over the runs.
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; published < due; published++) {
        const run = runs[published % runs.length] as AgentRun;
        writes.push(
          progress.updateRunProgress(run.id, run.owner, {
            percent: published % 100,
            step: `item ${published}`,
            metadata: { sentAt: now() },
          }),
        );
      }
      await sleep(10);
    }
    await Promise.all(writes);
    const loaded = process.memoryUsage().rss;
    await sleep(500); // the last frames in flight
    const reported = reply<{ delivered: number; latencies: number[] }>(child, "report", 10_000);
    child.send({ kind: "report" });
    const report = await reported;
    const sorted = report.latencies.sort((a, b) => a - b);
    return {
      clients: connected.clients,
      connectMs: first.ms + connected.ms,
      published,
      delivered: report.delivered,
      expected: published * perOwner,
      seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      idleKiB: perConnection(idle - rssHalf),
      idleHeapKiB: perConnection(idleHeap - heapHalf),
      loadedKiB: perConnection(idle - rssHalf) + (loaded - idle) / clients / KiB,
    };
  } finally {
    if (child.connected) child.send({ kind: "close" });
    await server.close();
    await progress.close();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function fanoutBench(options: { clients: number[]; perOwner: number; rate: number; seconds: number }) {
  const rows: Array<Array<string | number>> = [];
  for (const clients of options.clients) {
    const r = await fanout(clients, options.perOwner, options.rate, options.seconds);
    rows.push([
      fmt(r.clients),
      fmt(r.published / r.seconds),
      fmt(r.delivered / r.seconds),
      `${fmt((r.delivered / r.expected) * 100, 1)}%`,
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.idleKiB, 1),
      fmt(r.idleHeapKiB, 1),
      fmt(r.loadedKiB, 1),
      fmt(r.connectMs / 1000, 1),
    ]);
  }
  return [
    `SSE fan-out: ${options.perOwner} streams per owner, 2 runs per owner, ${fmt(options.rate)} updates/s for ${options.seconds} s through updateRunProgress (SQLite, synchronous=FULL); clients in a separate process`,
    "",
    table(
      [
        "clients",
        "updates/s",
        "delivered msgs/s",
        "delivered / sent",
        "p50 publish→receipt (ms)",
        "p99 (ms)",
        "server RSS / conn idle (KiB)",
        "of which JS heap (KiB)",
        "RSS / conn loaded (KiB)",
        "connect all (s)",
      ],
      rows,
    ),
    "",
    "Memory per connection: the server process's growth (after GC) between half and all of the clients connected, divided by the clients added; loaded adds the growth under load spread over all clients. RSS moves in coarse steps (heap pages, allocator arenas), so small client counts make it noisy; the JS heap figure is the steadier one.",
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "1000,5000" },
      "per-owner": { type: "string", default: "5" },
      rate: { type: "string", default: "1000" },
      seconds: { type: "string", default: "10" },
    },
  });
  console.log(`Machine: ${machine()}\n`);
  console.log(
    await fanoutBench({
      clients: values.clients.split(",").map(Number),
      perOwner: Number(values["per-owner"]),
      rate: Number(values.rate),
      seconds: Number(values.seconds),
    }),
  );
}
