/**
 * Spawns hammer processes, collects what they say, and kills every one of
 * them after each test (importing this file registers that hook).
 *
 * Knobs (environment):
 * - HEADWAY_HAMMER_SCALE: multiplies write counts (Default: 1). 4 gives a
 *   longer soak; timeouts grow with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { type AgentRun, createProgress } from "../../src/progress/index.js";
import { type SeenEvent, undelivered } from "./checker.js";
import { type Command, type HammerConfig, type HammerLine, parseLine } from "./protocol.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
const script = join(here, "hammer-process.ts");

export const SCALE = Math.max(0.1, Number(process.env.HEADWAY_HAMMER_SCALE ?? 1) || 1);

/** `n` times the scale, at least 1. */
export function scaled(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** A timeout that grows with the scale. */
export function budget(ms: number): number {
  return Math.round(ms * Math.max(1, SCALE));
}

export interface HammerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: HammerLine[];
  /** Lines it wrote that no one understands (should stay empty). */
  readonly stray: string[];
  stderr(): string;
  send(command: Command): void;
  /** Resolves once `predicate` holds; throws after `timeoutMs` or when the process died first. */
  waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  readonly hasExited: () => boolean;
}

const live = new Set<ChildProcess>();

afterEach(async () => {
  await killAll();
});

/** Kills every hammer process still alive and waits until each is gone. */
export async function killAll(): Promise<void> {
  const children = [...live];
  live.clear();
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

export function spawnHammer(config: HammerConfig): HammerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(config)], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.add(child);
  const lines: HammerLine[] = [];
  const stray: string[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = parseLine(text);
    if (line.kind === "unknown") stray.push(text);
    else lines.push(line);
  });
  let exitedFlag = false;
  // "close", not "exit": it comes only once stdout has ended, so every line it wrote has been read.
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code, signal) => {
      exitedFlag = true;
      live.delete(child);
      resolve(code ?? (signal ? -1 : null));
    });
  });
  child.stdin?.on("error", () => {}); // writing to a process that just died is not our failure
  const proc: HammerProcess = {
    name: config.name,
    child,
    lines,
    stray,
    stderr: () => stderr,
    send: (command) => {
      child.stdin?.write(`${command}\n`);
    },
    exited,
    hasExited: () => exitedFlag,
    waitFor: async (what, predicate, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (exitedFlag) {
          await exited;
          if (predicate()) return;
          const last = lines.slice(-5).map((line) => line.kind);
          throw new Error(
            `${config.name} exited (code ${child.exitCode}) before ${what}; its last lines: ${last.join(", ") || "(none)"}; ` +
              `stray output: ${stray.slice(-5).join(" | ") || "(none)"}; stderr:\n${stderr}`,
          );
        }
        if (Date.now() > deadline) {
          throw new Error(`${config.name}: no ${what} within ${timeoutMs} ms; stderr:\n${stderr || "(empty)"}`);
        }
        await sleep(10);
      }
    },
  };
  return proc;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const said = (proc: HammerProcess, kind: HammerLine["kind"]) => proc.lines.some((line) => line.kind === kind);

/** Spawns every config, waits until each is ready (open, subscribed), then lets them all go at once. */
export async function startTogether(configs: HammerConfig[], timeoutMs = budget(20_000)): Promise<HammerProcess[]> {
  const procs = configs.map(spawnHammer);
  await Promise.all(procs.map((proc) => proc.waitFor('"ready"', () => said(proc, "ready"), timeoutMs)));
  for (const proc of procs) proc.send("go");
  return procs;
}

/**
 * Spawns every config and waits until each is ready; lets `early` go first,
 * and the rest once `until` holds for the early ones (they are under way).
 */
export async function startStaggered(
  early: HammerConfig[],
  late: HammerConfig[],
  until: (proc: HammerProcess) => boolean,
  timeoutMs = budget(20_000),
): Promise<HammerProcess[]> {
  const first = early.map(spawnHammer);
  const second = late.map(spawnHammer);
  const all = [...first, ...second];
  await Promise.all(all.map((proc) => proc.waitFor('"ready"', () => said(proc, "ready"), timeoutMs)));
  for (const proc of first) proc.send("go");
  await Promise.all(first.map((proc) => proc.waitFor("progress before the late start", () => until(proc), timeoutMs)));
  for (const proc of second) proc.send("go");
  return all;
}

/** Waits until every process says its writes are done. */
export async function writesDone(procs: HammerProcess[], timeoutMs: number): Promise<void> {
  await Promise.all(procs.map((proc) => proc.waitFor('"writes-done"', () => said(proc, "writes-done"), timeoutMs)));
}

/** Waits until every process has exited (each closes its instance first); throws on a hang. */
export async function allExited(procs: HammerProcess[], timeoutMs = budget(15_000)): Promise<void> {
  await Promise.all(procs.map((proc) => proc.waitFor("exit (close() hung?)", () => proc.hasExited(), timeoutMs)));
}

/** Tells a following process to close, and waits until it has exited cleanly. */
export async function quit(proc: HammerProcess, timeoutMs = 10_000): Promise<void> {
  proc.send("quit");
  await proc.waitFor("exit after quit", () => proc.hasExited(), timeoutMs);
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${proc.name} exited with code ${code} after quit; stderr:\n${proc.stderr()}`);
}

/** Writes run ids where hammer processes read them (`runsFile`). */
export function writeRunsFile(dbPath: string, ids: readonly string[]): string {
  const file = join(dirname(dbPath), "runs.json");
  writeFileSync(file, JSON.stringify(ids));
  return file;
}

/** Creates `count` runs in a fresh, short-lived instance on the file; returns their ids. */
export async function createRuns(path: string, owner: string, count: number): Promise<string[]> {
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
  try {
    const runs = await Promise.all(
      Array.from({ length: count }, (_, i) => progress.startRun({ owner, title: `hammered ${i}` })),
    );
    return runs.map((run) => run.id);
  } finally {
    await progress.close();
  }
}

/** The stored state of each run, read back through a fresh instance once the writers are done. */
export async function readRuns(
  path: string,
  owner: string,
  ids: Iterable<string>,
): Promise<Map<string, AgentRun | null>> {
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
  try {
    const stored = new Map<string, AgentRun | null>();
    for (const id of ids) stored.set(id, await progress.getRun(id, owner));
    return stored;
  } finally {
    await progress.close();
  }
}

/** Lines of one kind, across processes, each tagged with the process that said it. */
export function linesOf<K extends HammerLine["kind"]>(
  procs: HammerProcess[],
  kind: K,
): Array<Extract<HammerLine, { kind: K }> & { proc: string }> {
  return procs.flatMap((proc) =>
    proc.lines
      .filter((line): line is Extract<HammerLine, { kind: K }> => line.kind === kind)
      .map((line) => ({ ...line, proc: proc.name })),
  );
}

/** Every error line, summarised (count per message), for failure messages and warnings. */
export function errorSummary(procs: HammerProcess[]): string {
  const counts = new Map<string, number>();
  for (const line of linesOf(procs, "error")) {
    const key = `${line.proc} ${line.op}: ${line.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([message, n]) => `${n}× ${message}`).join("\n");
}

/** The events a subscribing process logged, in the order it received them. */
export function eventsOf(proc: HammerProcess): SeenEvent[] {
  return proc.lines.filter((line): line is Extract<HammerLine, { kind: "event" }> => line.kind === "event");
}

/**
 * Gives a following process until `timeoutMs` to deliver every run's final
 * version; returns how long it took, or null when it never caught up (the
 * checker then says which runs are missing).
 */
export async function awaitDelivery(
  proc: HammerProcess,
  finals: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<number | null> {
  const started = Date.now();
  try {
    await proc.waitFor("every final state", () => undelivered(eventsOf(proc), finals) === 0, timeoutMs);
    return Date.now() - started;
  } catch {
    return null;
  }
}
