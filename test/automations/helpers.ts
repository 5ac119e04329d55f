import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { AutomationLogEntry } from "../../src/automations/index.js";
import type { Notification } from "../../src/core/index.js";
import type { Progress } from "../../src/progress/index.js";

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs after the test, last registered first (engines close before the Progress they use). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A fresh folder holding `files` (name → text), removed after the test. */
export function automationsDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "headway-automations-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The seed's example file, as shipped in examples/automations. */
export const SLOW_RUNS = readFileSync(join(import.meta.dirname, "../../examples/automations/slow-runs.md"), "utf8");

/** An event automation on run.progress.updated with this condition and extra frontmatter lines. */
export function automation(condition: string, extra = "", body = "Run {{title}} ({{runId}}) is {{status}}"): string {
  return `---\ntriggerType: event\nevent: [run.progress.started, run.progress.updated]\ncondition: ${JSON.stringify(condition)}\n${extra}${extra && !extra.endsWith("\n") ? "\n" : ""}---\n${body}\n`;
}

/** A fake clock the Progress instance and the engine share. */
export function fakeClock(start = Date.parse("2026-03-02T08:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (at: number) => {
      now = at;
    },
  };
}

/** Log lines, kept for assertions. */
export function logLines() {
  const entries: AutomationLogEntry[] = [];
  return { entries, onLog: (entry: AutomationLogEntry) => entries.push(entry) };
}

/** Every notification of `owner` (newest first). */
export async function notificationsOf(progress: Progress, owner: string): Promise<Notification[]> {
  return (await progress.listNotifications(owner, { limit: 500 })).notifications;
}

/** Polls `check` until it holds, failing with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const SECOND = 1000;
export const MINUTE = 60_000;
