import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type HeadwayEvent, parseEventId } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { fixture, listen, onCleanup } from "./helpers.js";

const exec = promisify(execFile);

describe("writes by another process on the same SQLite file", () => {
  it("reach the server's stream clients", async () => {
    // `headway serve` follows other processes' writes; so does this server.
    const { progress, path, tokenFor } = fixture({ followExternalWrites: true });
    const server = await startServer({ progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const client = listen(`${server.url}/_agent-native/runs/stream`, await tokenFor("ann"));
    await client.until((events) => events.length >= 1, 5000, "the snapshot");

    // A real second process writing through the library (test/helpers/writer-process.ts, mode "once").
    const { stdout } = await exec(process.execPath, [
      "--import",
      "tsx",
      "test/helpers/writer-process.ts",
      path,
      "once",
    ]);
    const id = stdout.trim();
    const received = await client.until(
      (events) => events.some((e) => (e.data as HeadwayEvent).run?.percent === 40),
      5000,
      "the other process's update",
    );
    const envelopes = received.slice(1).map((e) => e.data as HeadwayEvent);
    expect(envelopes.map((e) => e.type)).toEqual(["run.progress.started", "run.progress.updated"]);
    expect(envelopes[1]?.run).toMatchObject({ id, owner: "ann", percent: 40, step: "halfway, elsewhere" });
    expect(received.slice(1).map((e) => e.id)).toEqual(envelopes.map((e) => e.id));
  });
});

describe("a server configured as `headway serve` runs it (writer thread, following)", () => {
  it("streams every commit once, in commit order, and each run's last state, while another process and itself write", async () => {
    const { progress, path, tokenFor } = fixture({ followExternalWrites: true, storeOptions: { writerThread: true } });
    const server = await startServer({ progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const client = listen(`${server.url}/_agent-native/runs/stream`, await tokenFor("owner-0"));
    await client.until((events) => events.length >= 1, 5000, "the snapshot");

    // Another process hammers 70 runs (10 of them owner-0's) on a writer thread of its own ...
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/helpers/writer-process.ts", path, "hammer", "70", "thread"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    onCleanup(() => void child.kill("SIGKILL"));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let acks = 0;
    const enough = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (line.startsWith("ack ") && ++acks === 3000) resolve();
      }),
    );
    // ... while this server writes too.
    const local = await Promise.all(
      Array.from({ length: 10 }, (_, i) => progress.startRun({ owner: "owner-0", title: `local ${i}` })),
    );
    let writing = true;
    const localLoops = local.map(async (run) => {
      for (let i = 0; writing; i++) await progress.updateRunProgress(run.id, "owner-0", { percent: i % 100 });
    });
    await enough;
    child.kill("SIGKILL");
    await exited;
    writing = false;
    await Promise.all(localLoops);

    const stored = await progress.listRuns("owner-0", { limit: 500 });
    const last = new Map(stored.map((run) => [run.id, run.version]));
    const seen = new Map<string, number>();
    await client.until(
      (events) => {
        for (const event of events) {
          const run = (event.data as HeadwayEvent).run;
          if (run) seen.set(run.id, Math.max(seen.get(run.id) ?? 0, run.version));
        }
        return [...last].every(([id, version]) => (seen.get(id) ?? 0) >= version);
      },
      15_000,
      "every run's last state",
    );
    // The snapshot's id counts too: a live event published late must not repeat it.
    const ids = client.received.map((event) => parseEventId(event.id));
    expect(ids.every((id) => id !== null)).toBe(true);
    let violations = 0;
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1]!, ids[i]!];
      if (b.commitSeq < a.commitSeq || (b.commitSeq === a.commitSeq && b.index <= a.index)) violations++;
    }
    expect(violations, "event ids that repeat or go backwards").toBe(0);
    expect(stored.length).toBe(20);
  }, 60_000);
});
