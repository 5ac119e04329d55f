import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";
import { createMcpHttpHandler } from "../../src/tools/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { fixture, listen, onCleanup } from "../server/helpers.js";

interface Reply {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown> & { run?: { id: string; percent: number | null; status: string } };
}

async function connect(transport: StreamableHTTPClientTransport | StdioClientTransport): Promise<Client> {
  const client = new Client({ name: "test-agent", version: "1.0.0" });
  await client.connect(transport);
  onCleanup(() => client.close());
  return client;
}

const call = async (client: Client, args: Record<string, unknown>) =>
  (await client.callTool({ name: "manage-progress", arguments: args })) as Reply;
const text = (reply: Reply) => reply.content.map((part) => part.text).join("\n");

async function served() {
  const fx = fixture();
  const server = await startServer({ progress: fx.progress, port: 0, mcp: createMcpHttpHandler(fx.progress) });
  onCleanup(() => server.close());
  const clientFor = async (token: string) =>
    connect(
      new StreamableHTTPClientTransport(new URL("/mcp", server.url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
  return { ...fx, server, clientFor };
}

describe("manage-progress over MCP Streamable HTTP (headway serve's /mcp)", () => {
  it("starts, updates and completes a run that streams live to the owner's dashboard", async () => {
    const { server, tokenFor, clientFor } = await served();
    const stream = listen(`${server.url}/_agent-native/runs/stream`, await tokenFor("ann"));
    await stream.until((events) => events.some((event) => event.type === "snapshot"));
    const client = await clientFor(await tokenFor("ann", "agent"));

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["manage-progress"]);
    expect(tools[0]?.description).toContain("Always complete it");

    const started = await call(client, { action: "start", title: "Triage 128 unread emails", step: "Fetching" });
    expect(started.isError).toBeFalsy();
    const runId = started.structuredContent?.run?.id as string;
    expect(text(started)).toContain(`Started run ${runId}`);
    const updated = await call(client, { action: "update", runId, percent: 45, step: "Classifying 58/128" });
    expect(updated.structuredContent).toMatchObject({ ok: true, cancelRequested: false, run: { percent: 45 } });
    await call(client, { action: "complete", runId, status: "succeeded" });

    const events = await stream.until(
      (received) => received.filter((event) => event.type.startsWith("run.")).length >= 3,
    );
    expect(events.filter((event) => event.type.startsWith("run.")).map((event) => event.type)).toEqual([
      "run.progress.started",
      "run.progress.updated",
      "run.progress.updated",
    ]);
    const listed = await call(client, { action: "list", active: false });
    expect(text(listed)).toContain("succeeded");
  });

  it("says plainly when the user asked to cancel, and when a run is already finished", async () => {
    const { progress, tokenFor, clientFor } = await served();
    const client = await clientFor(await tokenFor("ann", "agent"));
    const runId = (await call(client, { action: "start", title: "Long job" })).structuredContent?.run?.id as string;
    await progress.requestCancel(runId, "ann");
    const reply = await call(client, { action: "update", runId, percent: 60 });
    expect(reply.structuredContent?.cancelRequested).toBe(true);
    expect(text(reply)).toContain("The user asked to cancel this run: stop the work and complete it as cancelled.");
    await call(client, { action: "complete", runId, status: "cancelled" });
    const late = await call(client, { action: "update", runId, step: "one more thing" });
    expect(late.isError).toBe(true);
    expect(text(late)).toBe(`Run ${runId} already cancelled; it cannot change any more. Start a new run for new work.`);
  });

  it("acts only for the token's owner, whatever the arguments say", async () => {
    const { progress, tokenFor, clientFor } = await served();
    const ann = await clientFor(await tokenFor("ann", "agent"));
    const bob = await clientFor(await tokenFor("bob", "agent"));
    // An owner argument is refused by name (it is not an argument), and nothing is started.
    const spoof = await call(ann, { action: "start", title: "Ann's", owner: "bob" });
    expect(spoof.isError).toBe(true);
    expect(text(spoof)).toContain('unknown argument "owner"');
    expect(await progress.listRuns("bob", { activeOnly: false })).toEqual([]);
    expect(await progress.listRuns("ann", { activeOnly: false })).toEqual([]);
    const runId = (await call(ann, { action: "start", title: "Ann's" })).structuredContent?.run?.id as string;
    expect((await progress.getRun(runId, "ann"))?.title).toBe("Ann's");
    const poke = await call(bob, { action: "complete", runId, status: "failed" });
    expect(poke.isError).toBe(true);
    expect(text(poke)).toBe(`No run ${runId} was found for you (it may have been deleted).`);
    expect(text(await call(bob, { action: "list" }))).toBe("No runs.");
    expect((await progress.getRun(runId, "ann"))?.status).toBe("running");
  });

  it("answers bad arguments with the field and the limit", async () => {
    const { progress, tokenFor, clientFor } = await served();
    const client = await clientFor(await tokenFor("ann", "agent"));
    const noTitle = await call(client, { action: "start" });
    expect(noTitle.isError).toBe(true);
    expect(text(noTitle)).toBe('title: is required for action "start"');
    const runId = (await call(client, { action: "start", title: "t" })).structuredContent?.run?.id as string;
    expect(text(await call(client, { action: "update", runId, step: "s".repeat(501) }))).toBe(
      "step: must be at most 500 characters",
    );
    expect(text(await call(client, { action: "update", runId }))).toContain("give percent and/or step");
    expect(text(await call(client, { action: "complete", runId, status: "done" }))).toContain("status");
    expect(await progress.getRun(runId, "ann")).toMatchObject({ version: 1, status: "running" });
  });

  it("refuses read-scope tokens and requests without a token", async () => {
    const { server, tokenFor } = await served();
    const read = await tokenFor("ann", "read");
    const response = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${read}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
    expect((await fetch(`${server.url}/mcp`, { method: "POST" })).status).toBe(401);
  });
});

describe("manage-progress over MCP stdio (headway mcp)", () => {
  it("writes runs into the database a server reads", async () => {
    const path = tempDatabasePath();
    const client = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "tsx", "src/cli/main.ts", "mcp", "--owner", "ann", "--database", path],
        stderr: "pipe",
      }),
    );
    const started = await call(client, { action: "start", title: "From a desktop agent", percent: 10 });
    const runId = started.structuredContent?.run?.id as string;
    await call(client, { action: "update", runId, percent: 80, step: "Almost there" });
    const reader = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => reader.close());
    expect(await reader.getRun(runId, "ann")).toMatchObject({ percent: 80, step: "Almost there", status: "running" });
    expect(await reader.getRun(runId, "bob")).toBeNull();
    await reader.requestCancel(runId, "ann");
    expect(text(await call(client, { action: "update", runId, percent: 90 }))).toContain("The user asked to cancel");
  });
  it("acts for the owner of an agent token, refuses a read token, and names bad arguments", async () => {
    const path = tempDatabasePath();
    const setup = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => setup.close());
    const tokens = setup.backend.tokens;
    if (!tokens) throw new Error("the SQLite store should offer tokens");
    const agent = (await tokens.create({ owner: "ann", scope: "agent", label: "desktop" })).token;
    const read = (await tokens.create({ owner: "ann", scope: "read", label: "viewer" })).token;
    const bobsRun = await setup.startRun({ owner: "bob", title: "Bob's" });

    const refused = await headway(["mcp", "--token", read, "--database", path]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--token: this token has read scope");

    const client = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "tsx", "src/cli/main.ts", "mcp", "--token", agent, "--database", path],
        stderr: "pipe",
      }),
    );
    const started = await call(client, { action: "start", title: "Via token" });
    expect((await setup.getRun(started.structuredContent?.run?.id as string, "ann"))?.title).toBe("Via token");
    const poke = await call(client, { action: "update", runId: bobsRun.id, percent: 50 });
    expect(poke.isError).toBe(true);
    expect(text(poke)).toContain("was found for you");
    expect(text(await call(client, { action: "start", title: "t".repeat(201) }))).toBe(
      "title: must be at most 200 characters",
    );
    expect(await setup.getRun(bobsRun.id, "bob")).toMatchObject({ version: 1, percent: null });
  });
});
