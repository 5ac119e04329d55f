import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { LIMITS } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { callToolAsRun } from "../../src/tools/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

let progress: Progress;
let client: Client;

/** A third-party MCP server whose long tool reports `notifications/progress`, as the spec has it. */
async function connectToSlowServer(): Promise<void> {
  const server = new McpServer({ name: "importer", version: "1.0.0" });
  server.registerTool(
    "import",
    { inputSchema: { items: z.number(), hang: z.boolean().optional(), note: z.string().optional() } },
    async ({ items, hang, note }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let done = 1; done <= items; done++) {
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken, progress: done, total: items, message: note ?? `Imported ${done}/${items}` },
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (hang)
        await new Promise((_, reject) => extra.signal.addEventListener("abort", () => reject(new Error("aborted"))));
      return { content: [{ type: "text", text: `imported ${items}` }] };
    },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "agent", version: "1.0.0" });
  await client.connect(clientSide);
}

beforeEach(async () => {
  progress = createProgress({ databaseUrl: tempDatabasePath(), sweepIntervalMs: 0 });
  await connectToSlowServer();
});
afterEach(async () => {
  await client.close();
  await progress.close();
});

describe("callToolAsRun: MCP progress notifications as a run", () => {
  it("turns the notifications into percent and step, and completes with the call", async () => {
    const percents: Array<number | null> = [];
    progress.subscribe((event) => {
      if (event.run) percents.push(event.run.percent);
    });
    const result = await callToolAsRun(
      client,
      { name: "import", arguments: { items: 4 } },
      { progress, owner: "ann", title: "Import contacts" },
    );
    expect(result.content).toEqual([{ type: "text", text: "imported 4" }]);
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ title: "Import contacts", status: "succeeded", percent: 100, step: "Imported 4/4" });
    expect(percents).toEqual(expect.arrayContaining([25, 50, 75, 100]));
  });

  it("aborts the call when the user cancels the run, and completes it cancelled", async () => {
    const call = callToolAsRun(
      client,
      { name: "import", arguments: { items: 2, hang: true } },
      { progress, owner: "ann" },
    );
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      runId = (await progress.listRuns("ann"))[0]?.id;
    }
    await progress.requestCancel(runId as string, "ann");
    await expect(call).rejects.toThrow();
    expect(await progress.getRun(runId as string, "ann")).toMatchObject({
      status: "cancelled",
      title: "Running import",
    });
  });

  it("leaves no run for a call that reports no progress", async () => {
    await callToolAsRun(client, { name: "import", arguments: { items: 0 } }, { progress, owner: "ann" });
    expect(await progress.listRuns("ann")).toEqual([]);
  });

  it("clips a server's overlong progress message to the step limit instead of failing the call", async () => {
    const note = "x".repeat(LIMITS.stepChars + 100);
    const result = await callToolAsRun(
      client,
      { name: "import", arguments: { items: 3, note } },
      { progress, owner: "ann" },
    );
    expect(result.content).toEqual([{ type: "text", text: "imported 3" }]);
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ status: "succeeded", step: "x".repeat(LIMITS.stepChars) });
  });

  it("clips between characters, never inside an emoji's surrogate pair (a half would be refused)", async () => {
    const note = `${"x".repeat(LIMITS.stepChars - 1)}😀 and more`;
    const title = `${"t".repeat(LIMITS.titleChars - 1)}😀`;
    await callToolAsRun(client, { name: "import", arguments: { items: 2, note } }, { progress, owner: "ann", title });
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({
      status: "succeeded",
      step: "x".repeat(LIMITS.stepChars - 1),
      title: "t".repeat(LIMITS.titleChars - 1),
    });
  });
});
