import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Backend, openSqliteBackend } from "../../src/store/index.js";

/**
 * Another process holds the database's write lock for `holdMs`; resolves once it has it.
 * (A process, not a second connection here: a lock held on this thread could never be let go while it waits.)
 */
async function holdWriteLock(path: string, holdMs: number): Promise<ChildProcess> {
  const script = `
    const db = new (require("better-sqlite3"))(process.argv[1]);
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("locked\\n");
    setTimeout(() => { db.exec("COMMIT"); db.close(); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ["-e", script, path, String(holdMs)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return child;
}

/** How many 5 ms timers fire while `work` runs: none when it holds the thread. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; result: T; returnedAfterMs: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const started = performance.now();
    const pending = work();
    const returnedAfterMs = performance.now() - started;
    const result = await pending;
    return { ticks, result, returnedAfterMs };
  } finally {
    clearInterval(timer);
  }
}

describe("SQLite writes on the main thread while another process holds the write lock", () => {
  let dir: string;
  let backend: Backend | undefined;
  let holder: ChildProcess | undefined;

  afterEach(async () => {
    holder?.kill();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(busyTimeoutMs?: number): Backend {
    dir = mkdtempSync(join(tmpdir(), "headway-lock-"));
    backend = openSqliteBackend(join(dir, "runs.db"), { busyTimeoutMs });
    return backend;
  }

  // Before: each of these waited inside SQLite's busy handler, the thread stopped for the whole 600 ms.
  it("wait for the lock on timers, not by stopping the thread, and then land", async () => {
    const store = open();
    const { token } = await (store.tokens?.create({ owner: "ann" }) ?? Promise.reject(new Error("no tokens")));
    const created = await store.tokens?.verify(token);
    holder = await holdWriteLock(join(dir, "runs.db"), 600);

    const { ticks, returnedAfterMs } = await ticksDuring(() =>
      Promise.all([
        store.cursors.advance("rules", 42, Date.now()),
        store.notifications.markAllRead("ann", Date.now()),
        store.webhooks.initCursor("webhooks", 7, Date.now()),
        store.tokens?.revoke(created?.id ?? ""),
      ]),
    );

    expect(returnedAfterMs).toBeLessThan(300);
    expect(ticks).toBeGreaterThan(20);
    expect(await store.cursors.get("rules")).toBe(42);
    expect(await store.webhooks.readCursor("webhooks")).toBe(7);
    expect(await store.tokens?.verify(token)).toBeNull();
  });

  it("gives up past the busy timeout with a named busy error, the thread free meanwhile, nothing stored", async () => {
    const store = open(300);
    holder = await holdWriteLock(join(dir, "runs.db"), 2000);

    const { ticks, result } = await ticksDuring(() =>
      store.cursors.advance("rules", 42, Date.now()).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );

    expect(result).toMatchObject({ code: "busy", message: expect.stringMatching(/write lock past the busy timeout/) });
    expect(ticks).toBeGreaterThan(10);
    expect(await store.cursors.get("rules")).toBeNull();
  });
});
