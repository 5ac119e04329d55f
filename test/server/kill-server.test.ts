/**
 * SIGKILL of `headway serve` while agents write through its /mcp endpoint:
 * after a restart on the same file, every write the server acknowledged is
 * there (the tool's reply is the acknowledgement), and the restarted server
 * serves it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { openBackend } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, onCleanup } from "./helpers.js";

async function serve(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "serve", "--port", "0", "--database", db, "--owner", "ann"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  await eventually(() => /serving on (\S+)/.test(output) || child.exitCode !== null, 20_000, "the server");
  const match = /serving on (\S+)/.exec(output);
  if (!match) throw new Error(`headway serve did not start:\n${output}`);
  return { child, url: match[1]! };
}

async function agent(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "hammer-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

type Reply = { isError?: boolean; structuredContent?: { run?: { id: string; percent: number | null } } };

describe("headway serve killed with SIGKILL under write load", () => {
  it("keeps every write it acknowledged over /mcp", async () => {
    const db = tempDatabasePath();
    const setup = openBackend(db);
    const { token } = await setup.tokens.create({ owner: "ann", scope: "agent" });
    await setup.close();

    const first = await serve(db);
    const agents = await Promise.all(Array.from({ length: 8 }, () => agent(first.url, token)));
    const acked = new Map<string, number>();
    let acks = 0;
    let killed = false;
    const loops = agents.map(async (client, a) => {
      const start = (await client.callTool({
        name: "manage-progress",
        arguments: { action: "start", title: `agent ${a}` },
      })) as Reply;
      const runId = start.structuredContent?.run?.id as string;
      acked.set(runId, 0);
      for (let percent = 1; !killed; percent = (percent % 100) + 1) {
        try {
          const reply = (await client.callTool({
            name: "manage-progress",
            arguments: { action: "update", runId, percent, step: `item ${percent}` },
          })) as Reply;
          if (reply.isError) throw new Error(JSON.stringify(reply));
          // The reply came back: the server committed it. Count it only now.
          acked.set(runId, percent);
          acks++;
        } catch (error) {
          // Past the per-token request limit the server says when to come back, as a real agent would be told.
          if (!killed && String(error).includes("rate_limited")) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            continue;
          }
          if (!killed) console.error("agent stopped:", error);
          return; // the server is gone
        }
      }
    });
    await eventually(() => acks >= 400, 30_000, "400 acknowledged updates");
    first.child.kill("SIGKILL");
    killed = true;
    await Promise.all(loops);
    await Promise.allSettled(agents.map((client) => client.close()));

    // The file as the restarted server finds it.
    const second = await serve(db);
    const reader = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => reader.close());
    for (const [runId, percent] of acked) {
      const run = await reader.getRun(runId, "ann");
      // The last acknowledged percent, or a later one that committed but whose reply was lost with the server.
      expect(run, runId).not.toBeNull();
      if (percent > 0) expect([percent, (percent % 100) + 1], runId).toContain(run?.percent);
    }
    const listed = await fetch(`${second.url}/_agent-native/runs?active=true`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(((await listed.json()) as { runs: unknown[] }).runs).toHaveLength(8);
  }, 90_000);
});
