import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../helpers/temp-db.js";

describe.each([
  ["committing on the main thread", "main"],
  ["committing on a writer thread", "thread"],
])("durability, %s", (_label, mode) => {
  it("keeps every acknowledged write when the writer is killed with SIGKILL mid-load", async () => {
    const path = tempDatabasePath();
    const args = ["--import", "tsx", "test/helpers/writer-process.ts", path, "hammer", "1000", mode];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    const acked = new Map<string, number>();
    let ackCount = 0;
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error("writer produced too few acks")), 20_000);
      lines.on("line", (line) => {
        const [kind, id, version] = line.split(" ");
        if (kind !== "ack" || !id) return;
        acked.set(id, Math.max(acked.get(id) ?? 0, Number(version)));
        // Kill in the middle of the load, well after every run has several commits behind it.
        if (++ackCount === 20_000) {
          clearTimeout(timeout);
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    expect(await exited).toBe("SIGKILL");

    const db = new Database(path, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const stored = new Map(
      (db.prepare("SELECT id, version FROM progress_runs").all() as Array<{ id: string; version: number }>).map(
        (row) => [row.id, row.version],
      ),
    );
    db.close();
    expect(stored.size).toBe(1000);
    expect(acked.size).toBe(1000);
    const lost = [...acked].filter(([id, version]) => (stored.get(id) ?? 0) < version);
    expect(lost).toEqual([]);
  }, 60_000);
});
