/**
 * A full disk and a read-only file system under the SQLite store: a clear
 * error naming the problem, nothing acknowledged lost, no corruption, and
 * writes work again once the fault is gone. Needs a small tmpfs, so root
 * (CI and the dev machines run as root); elsewhere it says so and skips.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";

function mountTmpfs(sizeKb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), "headway-fault-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

const canMount = (() => {
  const dir = mountTmpfs(64);
  if (!dir) return false;
  execFileSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
  return true;
})();
if (!canMount) console.warn("[headway test] SKIPPING disk-full and read-only tests: mounting a tmpfs needs root");

const mounts: string[] = [];
const open: Progress[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((progress) => progress.close()));
  for (const dir of mounts.splice(0)) {
    execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function onTmpfs(sizeKb: number, writerThread: boolean): { dir: string; path: string; progress: Progress } {
  const dir = mountTmpfs(sizeKb) as string;
  mounts.push(dir);
  const path = join(dir, "headway.db");
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
  open.push(progress);
  return { dir, path, progress };
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma("integrity_check", { simple: true }));
  } finally {
    db.close();
  }
}

describe.skipIf(!canMount).each([false, true])("the SQLite store (writer thread: %s) when", (writerThread) => {
  it("the disk fills up: a clear error, every acknowledged write kept, and it writes again once there is room", async () => {
    const { dir, path, progress } = onTmpfs(1024, writerThread);
    const acknowledged: Array<{ id: string; n: number }> = [];
    let failure: unknown;
    const big = "x".repeat(12 * 1024);
    for (let n = 0; n < 400 && !failure; n++) {
      try {
        const run = await progress.startRun({ owner: "ann", title: `run ${n}`, metadata: { big, n } });
        acknowledged.push({ id: run.id, n });
      } catch (error) {
        failure = error;
      }
    }
    expect(acknowledged.length).toBeGreaterThan(5);
    expect(failure).toMatchObject({ code: "disk_full" });
    expect(String((failure as Error).message)).toMatch(/^the disk holding the database is full \(.*headway\.db\)/);
    for (const { id, n } of acknowledged) {
      expect((await progress.getRun(id, "ann"))?.metadata.n, `run ${n}`).toBe(n);
    }
    // Room again (the filler is the database itself: make room by dropping a file beside it, then retry).
    rmSync(join(dir, "filler"), { force: true });
    execFileSync("mount", ["-o", "remount,size=4096k", dir]);
    const after = await progress.startRun({ owner: "ann", title: "after the disk was freed" });
    expect(await progress.getRun(after.id, "ann")).toMatchObject({ title: "after the disk was freed" });
    await progress.close();
    expect(integrity(path)).toBe("ok");
  });

  it("the file system is read-only: a clear error naming the file, and nothing is lost", async () => {
    const { dir, path, progress } = onTmpfs(4096, writerThread);
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => progress.startRun({ owner: "ann", title: `r${i}` })),
    );
    await Promise.all(runs.map((run) => progress.updateRunProgress(run.id, "ann", { percent: 40 })));
    await progress.close();
    execFileSync("mount", ["-o", "remount,ro", dir]);
    // A server (re)started on it: refused at once, in words, instead of failing on its first write.
    expect(() => createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } })).toThrow(
      /^the database is read-only \(.*headway\.db/,
    );
    execFileSync("mount", ["-o", "remount,rw", dir]);
    const restarted = createProgress({ databaseUrl: path, sweepIntervalMs: 0, storeOptions: { writerThread } });
    open.push(restarted);
    expect(await restarted.updateRunProgress(runs[0]!.id, "ann", { percent: 60 })).toMatchObject({ percent: 60 });
    for (const run of runs.slice(1)) expect((await restarted.getRun(run.id, "ann"))?.percent).toBe(40);
    await restarted.close();
    expect(integrity(path)).toBe("ok");
  });
});
