/**
 * Dropped connections under load, simulated with pg_terminate_backend (the
 * server is shared on this machine and is never restarted by tests). The
 * writer runs in a process of its own and logs every acknowledgement; the
 * store is read back afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { adminClient, freshSchema, killPool, POSTGRES_AVAILABLE, postgresUrl } from "../helpers/postgres.js";

/** postgres 3.4.x throws this from a timer when a lost connection is written to again (upstream #1154, #1208). */
const KNOWN_DRIVER_CRASH = "Cannot read properties of null (reading 'write')";

const children: ChildProcess[] = [];
afterEach(() => {
  // A writer that hangs must not outlive a failed test.
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

describe.skipIf(!POSTGRES_AVAILABLE)("PostgreSQL connections killed under load", () => {
  it("give writers a clear error, lose nothing acknowledged, and the writer carries on", async () => {
    const schema = freshSchema();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/helpers/fault-writer-process.ts", postgresUrl(schema), "20", "2500"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    const acked = new Map<string, number>();
    const errors: string[] = [];
    let carriedOn = false;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on("line", (line) => {
        const [word, id, ...rest] = line.split(" ");
        if (word === "ready") resolve();
        if (word === "ack" && id) acked.set(id, Math.max(acked.get(id) ?? 0, Number(rest[0])));
        if (word === "error") errors.push(`${id} ${rest.join(" ")}`);
        if (word === "carried") carriedOn = true;
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await ready;
    let killed = 0;
    for (let round = 0; round < 8; round++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      killed += await killPool(schema);
    }
    const code = await exited;
    expect(killed).toBeGreaterThan(0);
    // Each failure names what happened: the connection went away.
    for (const error of errors) expect(error).toMatch(/terminat|CONNECTION|CONNECT_TIMEOUT|ECONNRESET/i);
    // No crash: the driver's known one (postgres 3.4.x writing to a dead socket from a timer, upstream
    // #1154/#1208) is avoided by never writing to a lost connection again.
    expect(stderr).not.toContain(KNOWN_DRIVER_CRASH);
    expect({ code, carriedOn }).toEqual({ code: 0, carriedOn: true });

    const admin = adminClient();
    const rows = await admin.unsafe(`SELECT id, version FROM "${schema}".progress_runs`);
    await admin.end({ timeout: 1 });
    const stored = new Map(rows.map((row) => [row.id as string, row.version as number]));
    expect([...acked].filter(([id, version]) => (stored.get(id) ?? 0) < version)).toEqual([]);
    expect(acked.size).toBe(20);
  }, 60_000);
});
