/**
 * Slow stream clients under heavy writes (issue 13's experiment), bounded in time:
 *   node --import tsx bench/soak.ts [--seconds 20] [--slow 20] [--runs 3000] [--metadata-kb 15]
 *        [--connect after|before] [--budget BYTES] [--postgres URL]
 * Three processes on one SQLite file: the server (`startServer`, following
 * other processes' writes), a writer process updating `--runs` runs as fast
 * as it can with `--metadata-kb` of metadata each, and this one, which opens
 * `--slow` streams that read their opening and then never read again, and
 * asks `/healthz` every 50 ms. Reports the server's peak RSS (VmHWM, from
 * /proc, so Linux only), RSS over time, and healthz latency percentiles.
 * `--connect before` opens the streams before the runs exist (small
 * snapshots); `after` (the default) once they do, the harder case.
 * `--churn N` adds N clients that join, read everything for 0.5–3 s and
 * leave, over and over (the mixed load of a long soak: `--seconds 600`).
 * `SOAK_RULES=1` runs the built-in notification rules in the server too.
 * The server tunes V8 as `headway serve` does (`tuneProcessForServing`);
 * `SOAK_UNTUNED=1` leaves V8 as it is, for comparison. `SOAK_DEBUG=1` prints
 * the server's memory and stream metrics as it goes, and every slow probe.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { notifyOnOutcomes } from "../src/notifications/index.js";
import { createProgress } from "../src/progress/index.js";
import { startServer, tuneProcessForServing } from "../src/server/index.js";
import { dropSchema } from "./postgres-schema.js";
import { fmt, machine, percentile, table } from "./stats.js";

const OWNER = "soak@example.com";
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { values: args } = parseArgs({
  options: {
    role: { type: "string", default: "main" },
    database: { type: "string" },
    seconds: { type: "string", default: "20" },
    slow: { type: "string", default: "20" },
    runs: { type: "string", default: "3000" },
    "metadata-kb": { type: "string", default: "15" },
    connect: { type: "string", default: "after" },
    budget: { type: "string" },
    concurrency: { type: "string", default: "400" },
    /** Streams that join, read for 0.5–3 s and leave, again and again, besides the paused ones. */
    churn: { type: "string", default: "0" },
    /** On a fresh schema of this PostgreSQL (dropped after) instead of a temporary SQLite file. */
    postgres: { type: "string" },
    schema: { type: "string" },
  },
});

function send(message: object): void {
  process.send?.(message);
}

function waitFor<T>(child: ChildProcess, kind: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${kind}" from a child in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: { kind: string }) => {
      if (message.kind !== kind) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
  });
}

/** The server: follows the writer's commits and fans them out to the streams. */
async function serverRole(database: string): Promise<void> {
  // As `headway serve` does (SOAK_UNTUNED=1 leaves V8 as it is, for comparison).
  if (!process.env.SOAK_UNTUNED) tuneProcessForServing();
  // As `headway serve` opens it: its own writes (the rules' notifications) on a writer thread.
  const progress = createProgress({
    databaseUrl: database,
    followExternalWrites: true,
    sweepIntervalMs: 0,
    storeOptions: args.schema ? { schema: args.schema } : { writerThread: true },
  });
  const tokens = progress.backend.tokens;
  if (!tokens) throw new Error("the store keeps no tokens");
  const { token } = await tokens.create({ owner: OWNER });
  const budget = args.budget ? Number(args.budget) : undefined;
  const server = await startServer({
    progress,
    port: 0,
    dashboardDir: false,
    limits: { streamBufferBytes: budget, requestsPerSecond: 10_000, requestBurst: 10_000 },
  });
  // SOAK_RULES=1: the built-in notification rules run too, as `headway serve` runs them.
  const rules = process.env.SOAK_RULES ? notifyOnOutcomes(progress) : undefined;
  send({ kind: "ready", url: server.url, token });
  if (process.env.SOAK_DEBUG) {
    setInterval(() => {
      const m = process.memoryUsage();
      console.error(
        `[server] rss ${Math.round(m.rss / MiB)} heapUsed ${Math.round(m.heapUsed / MiB)} heapTotal ${Math.round(m.heapTotal / MiB)} external ${Math.round(m.external / MiB)} arrayBuffers ${Math.round(m.arrayBuffers / MiB)}`,
      );
    }, 500).unref();
  }
  process.on("message", async (message: { kind: string }) => {
    if (message.kind !== "stop") return;
    await server.close();
    await rules?.close();
    await progress.close();
    process.exit(0);
  });
}

/** The writer: starts the runs, then updates them round-robin, `--concurrency` writes in flight. */
async function writerRole(database: string): Promise<void> {
  const progress = createProgress({
    databaseUrl: database,
    sweepIntervalMs: 0,
    storeOptions: args.schema ? { schema: args.schema } : undefined,
  });
  const runCount = Number(args.runs);
  const padding = "m".repeat(Number(args["metadata-kb"]) * 1000);
  const ids: string[] = [];
  for (let i = 0; i < runCount; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, runCount - i) }, (_, j) =>
        progress.startRun({ owner: OWNER, title: `run ${i + j}` }),
      ),
    );
    ids.push(...batch.map((run) => run.id));
  }
  send({ kind: "started" });
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  let stop = false;
  let written = 0;
  let next = 0;
  process.once("message", () => {
    stop = true;
  });
  const worker = async () => {
    while (!stop) {
      const index = next++;
      const id = ids[index % ids.length] as string;
      await progress.updateRunProgress(id, OWNER, {
        percent: (index % 100) + 0.5,
        step: `item ${index}`,
        metadata: { padding, index },
      });
      written++;
    }
  };
  const timer = setInterval(() => send({ kind: "written", written }), 1000);
  await Promise.all(Array.from({ length: Number(args.concurrency) }, worker));
  clearInterval(timer);
  send({ kind: "done", written });
  await progress.close();
  process.exit(0);
}

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/** A stream that reads until its opening arrived, then never again. */
async function pausedClient(url: string, token: string): Promise<IncomingMessage> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { headers: { Authorization: `Bearer ${token}` } }, resolve).on("error", reject);
  });
  await new Promise<void>((resolve) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\n\n")) {
        res.off("data", onData);
        res.pause();
        resolve();
      } else if (text.length > 1000) text = text.slice(-2);
    };
    res.on("data", onData);
  });
  return res;
}

/** A client that joins, reads everything for 0.5–3 s, leaves, and again, until `stop`; returns how many visits it made. */
async function churningClient(url: string, token: string, stop: () => boolean): Promise<number> {
  let visits = 0;
  while (!stop()) {
    const stay = 500 + Math.random() * 2500;
    await new Promise<void>((resolve) => {
      const request = get(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        setTimeout(() => {
          res.destroy();
          resolve();
        }, stay);
      });
      request.on("error", () => resolve());
    });
    visits++;
  }
  return visits;
}

async function healthz(url: string): Promise<number> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await response.text();
  } catch {
    return 10_000;
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const dir = mkdtempSync(join(tmpdir(), "headway-soak-"));
  const database = args.postgres ?? join(dir, "soak.db");
  const schema = args.postgres ? `hw_soak_${process.pid}` : undefined;
  const self = new URL(import.meta.url).pathname;
  const child = (role: string) =>
    fork(
      self,
      [...process.argv.slice(2), "--role", role, "--database", database, ...(schema ? ["--schema", schema] : [])],
      {
        // SOAK_CPU_PROF=DIR writes a V8 CPU profile of the server there (open it in Chrome's DevTools).
        execArgv: [
          "--import",
          "tsx",
          ...(role === "server" && process.env.SOAK_CPU_PROF
            ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SOAK_CPU_PROF}`]
            : []),
          // SOAK_SERVER_FLAGS="--trace-gc …": more Node flags for the server.
          ...(role === "server" ? (process.env.SOAK_SERVER_FLAGS?.split(" ").filter(Boolean) ?? []) : []),
        ],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
  const server = child("server");
  const writer = child("writer");
  try {
    const { url, token } = await waitFor<{ url: string; token: string }>(server, "ready");
    const streamUrl = `${url}/_agent-native/runs/stream`;
    const clients: IncomingMessage[] = [];
    const connect = async () => {
      for (let i = 0; i < Number(args.slow); i++) clients.push(await pausedClient(streamUrl, token));
    };
    if (args.connect === "before") await connect();
    await waitFor(writer, "started");
    if (args.connect !== "before") await connect();
    const afterConnect = rssOf(server.pid as number);

    let written = 0;
    writer.on("message", (message: { kind: string; written?: number }) => {
      if (message.kind === "written" || message.kind === "done") written = message.written ?? written;
    });
    writer.send({ kind: "go" });
    let stopping = false;
    const churning = Array.from({ length: Number(args.churn) }, () => churningClient(streamUrl, token, () => stopping));
    const started = performance.now();
    const latencies: number[] = [];
    const timeline: Array<[number, number, number, number]> = [];
    let lastSample = 0;
    while (performance.now() - started < seconds * 1000) {
      latencies.push(await healthz(url));
      const elapsed = (performance.now() - started) / 1000;
      const latest = latencies.at(-1) ?? 0;
      if (process.env.SOAK_DEBUG && latest > 150)
        console.error(`[slow] healthz ${fmt(latest)} ms at t=${fmt(elapsed, 2)} s`);
      if (elapsed - lastSample >= Math.max(1, seconds / 10)) {
        lastSample = elapsed;
        timeline.push([Math.round(elapsed), rssOf(server.pid as number).rss, written, latest]);
        if (process.env.SOAK_DEBUG) {
          const text = await (await fetch(`${url}/metrics`)).text();
          console.error(
            elapsed.toFixed(1),
            text
              .split("\n")
              .filter((line) => /^headway_sse|^nodejs_heap_size_used|^process_resident/.test(line))
              .join(" | "),
          );
        }
      }
      await sleep(50);
    }
    stopping = true;
    const visits = (await Promise.all(churning)).reduce((sum, n) => sum + n, 0);
    writer.send({ kind: "stop" });
    const done = await waitFor<{ written: number }>(writer, "done");
    const elapsed = (performance.now() - started) / 1000;
    const memory = rssOf(server.pid as number);
    const sorted = [...latencies].sort((a, b) => a - b);

    console.log(`Machine: ${machine()}\n`);
    console.log(
      `${args.slow} paused streams (connected ${args.connect} ${args.runs} runs existed), a writer process with ` +
        `${args["metadata-kb"]} KB metadata per update, ${seconds} s, stream budget ${args.budget ?? "default (1 MiB)"}` +
        `${Number(args.churn) > 0 ? `, ${args.churn} clients joining and leaving (${visits} visits)` : ""}` +
        `${process.env.SOAK_RULES ? ", built-in rules running" : ""}` +
        `${args.postgres ? ", on PostgreSQL" : ", on SQLite"}\n`,
    );
    console.log(
      table(
        [
          "updates/s",
          "server RSS after connecting (MiB)",
          "peak server RSS (MiB)",
          "healthz p50 (ms)",
          "p99 (ms)",
          "max (ms)",
          "healthz probes",
        ],
        [
          [
            fmt(done.written / elapsed),
            fmt(afterConnect.rss / MiB),
            fmt(memory.peak / MiB),
            fmt(percentile(sorted, 0.5), 1),
            fmt(percentile(sorted, 0.99), 1),
            fmt(sorted.at(-1) ?? 0, 1),
            sorted.length,
          ],
        ],
      ),
    );
    console.log(`\nServer RSS over time:\n`);
    console.log(
      table(
        ["t (s)", "RSS (MiB)", "updates so far", "healthz (ms)"],
        timeline.map(([t, rss, count, latency]) => [t, fmt(rss / MiB), fmt(count), fmt(latency, 1)]),
      ),
    );
    for (const client of clients) client.destroy();
  } finally {
    server.send({ kind: "stop" });
    await Promise.race([new Promise((resolve) => server.once("exit", resolve)), sleep(5000)]);
    server.kill();
    writer.kill();
    rmSync(dir, { recursive: true, force: true });
    if (schema) await dropSchema(database, schema);
  }
}

const role = args.role;
const database = args.database ?? "";
(role === "server" ? serverRole(database) : role === "writer" ? writerRole(database) : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
