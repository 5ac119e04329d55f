/**
 * Spawns delivering servers (test/webhooks/delivering-server.ts), collects
 * their lines, and kills every one still alive after each test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach } from "vitest";
import type { WebhookDispatcherOptions } from "../../src/server/index.js";

const live = new Set<ChildProcess>();

afterEach(async () => {
  await Promise.all([...live].map((child) => kill(child)));
  live.clear();
});

/** SIGKILLs a child and resolves once it is gone. */
export function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("close", () => resolve());
    child.kill("SIGKILL");
  });
}

export interface DeliveringServer {
  child: ChildProcess;
  url: string;
  /** Every line it printed. */
  lines: string[];
  stderr(): string;
  /** SIGKILL: no shutdown, no released leases. */
  kill(): Promise<void>;
}

export async function spawnDeliveringServer(
  databaseUrl: string,
  options: WebhookDispatcherOptions,
): Promise<DeliveringServer> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/webhooks/delivering-server.ts", databaseUrl, JSON.stringify(options)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  live.add(child);
  const lines: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" from the server process; stderr: ${stderr}`)), 20_000);
    child.once("exit", (code) => reject(new Error(`the server process exited (${code}) before "ready": ${stderr}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      lines.push(line);
      if (line.startsWith("ready ")) {
        clearTimeout(timer);
        resolve(line.slice("ready ".length));
      }
    });
  });
  return { child, url, lines, stderr: () => stderr, kill: () => kill(child) };
}
