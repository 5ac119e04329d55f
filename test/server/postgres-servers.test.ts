/**
 * Two Headway servers, each in a process of its own, on one PostgreSQL
 * schema, as behind a load balancer: a write through one reaches the stream
 * clients of the other, also after their LISTEN connections were killed, and
 * an event id from one resumes a stream on the other.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { openBackend } from "../../src/store/index.js";
import { freshSchema, killListeners, POSTGRES_AVAILABLE, POSTGRES_TEST_URL, postgresUrl } from "../helpers/postgres.js";
import { listen, onCleanup } from "./helpers.js";

interface ServerProcess {
  url: string;
  /** Sends a command and resolves with the first output line starting with `reply`. */
  ask(command: string, reply: string): Promise<string>;
}

async function serverProcess(databaseUrl: string): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "test/helpers/server-process.ts", databaseUrl],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  onCleanup(() => void child.kill("SIGKILL"));
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const next = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${prefix}" from the server process`)), 15_000);
      const onLine = (line: string) => {
        if (!line.startsWith(prefix)) return;
        clearTimeout(timer);
        lines.off("line", onLine);
        resolve(line.slice(prefix.length).trim());
      };
      lines.on("line", onLine);
    });
  const url = await next("url ");
  return {
    url,
    ask: (command, reply) => {
      const answer = next(`${reply} `);
      child.stdin?.write(`${command}\n`);
      return answer;
    },
  };
}

const runOf = (event: { data: unknown }) => (event.data as HeadwayEvent).run;

describe.skipIf(!POSTGRES_AVAILABLE)("two servers on one PostgreSQL database", () => {
  it("stream each other's writes, after their LISTEN connections are killed too, and resume each other's ids", async () => {
    const schema = freshSchema();
    const setup = openBackend(POSTGRES_TEST_URL, { schema, maxConnections: 1 });
    onCleanup(() => setup.close());
    const { token } = await setup.tokens.create({ owner: "ann", scope: "read" });
    const [a, b] = await Promise.all([serverProcess(postgresUrl(schema)), serverProcess(postgresUrl(schema))]);

    const onB = listen(`${b.url}/_agent-native/runs/stream`, token);
    await onB.until((events) => events.length >= 1, 10_000, "B's snapshot");
    expect(onB.received[0]?.type).toBe("snapshot");

    // A write through A reaches B's client.
    const id = await a.ask("start ann made on A", "started");
    await onB.until((events) => events.some((e) => runOf(e)?.id === id), 5000, "A's run on B");

    // Every LISTEN connection of the schema killed (A's and B's): a later write still arrives.
    expect(await killListeners(schema)).toBe(2);
    await a.ask(`update ${id} ann 40`, "updated");
    await onB.until((events) => events.some((e) => runOf(e)?.percent === 40), 5000, "the update after the kill");

    // An event id from A's stream resumes on B: a replay of what followed, not a fresh snapshot.
    const onA = listen(`${a.url}/_agent-native/runs/stream`, token);
    await onA.until((events) => events.length >= 1, 10_000, "A's snapshot");
    await a.ask(`update ${id} ann 50`, "updated");
    const fromA = await onA.until((events) => events.some((e) => runOf(e)?.percent === 50), 5000, "50% on A");
    const lastSeen = fromA.find((e) => runOf(e)?.percent === 50)?.id as string;
    onA.source.close();
    await a.ask(`update ${id} ann 70`, "updated");
    await onB.until((events) => events.some((e) => runOf(e)?.percent === 70), 5000, "70% on B");

    const resumed = listen(`${b.url}/_agent-native/runs/stream`, token, { "Last-Event-ID": lastSeen });
    const replay = await resumed.until((events) => events.length >= 1, 10_000, "B's replay");
    expect(replay[0]?.type).not.toBe("snapshot");
    expect(replay.map((e) => e.type)).not.toContain("snapshot");
    expect(runOf(replay.find((e) => runOf(e)?.id === id) ?? { data: {} })).toMatchObject({ id, percent: 70 });
  }, 60_000);
});
