/**
 * An agent tells its person through the tool: the MCP `notify` action over
 * Streamable HTTP (a real MCP client) reaches the owner's live stream; the
 * CLI `headway notify` writes locally and through a running server.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
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
  structuredContent?: Record<string, unknown>;
}

describe("notify through the agent tool", () => {
  it("reaches the token owner's live stream and list, never another owner's, and names bad arguments", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, mcp: createMcpHttpHandler(f.progress) });
    onCleanup(() => server.close());
    const stream = listen(`${server.url}/_agent-native/runs/stream`, await f.tokenFor("ann"));
    await stream.until((events) => events.some((event) => event.type === "snapshot"));
    const client = new Client({ name: "test-agent", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", server.url), {
        requestInit: { headers: { Authorization: `Bearer ${await f.tokenFor("ann", "agent")}` } },
      }),
    );
    onCleanup(() => client.close());
    const call = async (args: Record<string, unknown>) =>
      (await client.callTool({ name: "manage-progress", arguments: args })) as Reply;

    const run = await f.progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    const reply = await call({ action: "notify", title: "Sync done", body: "All 3 calendars", runId: run.id });
    expect(reply.isError).toBeFalsy();
    expect(reply.content[0]?.text).toContain('Notified the person: "Sync done"');
    expect(reply.structuredContent).toMatchObject({ ok: true, action: "notify", notification: { runId: run.id } });
    const events = await stream.until((all) => all.some((e) => e.type === "notification.created"));
    expect(events.find((e) => e.type === "notification.created")?.data).toMatchObject({
      owner: "ann",
      payload: { title: "Sync done", body: "All 3 calendars", source: "agent", severity: "info" },
    });

    const bobs = await f.progress.startRun({ owner: "bob", title: "Bob's" });
    const foreign = await call({ action: "notify", title: "sneaky", runId: bobs.id });
    expect(foreign.isError).toBe(true);
    expect(foreign.content[0]?.text).toMatch(/runId: no run/);
    const badSeverity = await call({ action: "notify", title: "x", severity: "loud" });
    // The MCP SDK checks enums against the tool's JSON Schema before the tool runs; the field is still named.
    expect(badSeverity.isError).toBe(true);
    expect(badSeverity.content[0]?.text).toMatch(/severity/);
    const noTitle = await call({ action: "notify" });
    expect(noTitle.content[0]?.text).toBe('title: is required for action "notify"');
    const wrongArg = await call({ action: "notify", title: "x", percent: 4 });
    expect(wrongArg.content[0]?.text).toMatch(/percent: is not used by action "notify"/);
    expect((await f.progress.listNotifications("bob")).notifications).toEqual([]);
    expect((await f.progress.listNotifications("ann")).notifications).toHaveLength(1);
  });
});

describe("headway notify", () => {
  it("notifies locally and through a server, lists, and exits 2 naming a bad option", async () => {
    const db = tempDatabasePath();
    const local = ["--database", db, "--owner", "ann"];
    const sent = await headway(["notify", "--title", "Import done", "--body", "1,204 rows", ...local]);
    expect(sent).toMatchObject({ code: 0 });
    expect(sent.stdout).toContain('Notified the person: "Import done"');
    const bad = await headway(["notify", "--title", "x", "--severity", "loud", ...local]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("severity: must be one of info, warning, critical");
    const missing = await headway(["notify", ...local]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--title: required");

    const progress = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const server = await startServer({ progress, port: 0, mcp: createMcpHttpHandler(progress), dashboardDir: false });
    onCleanup(() => server.close());
    const agent = (await progress.backend.tokens.create({ owner: "ann", scope: "agent" })).token;
    const remote = await headway([
      "notify",
      "--title",
      "From CI",
      "--severity",
      "warning",
      "--server",
      server.url,
      "--token",
      agent,
    ]);
    expect(remote).toMatchObject({ code: 0 });
    const listed = await headway(["notify", "--list", "--server", server.url, "--token", agent]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("2 unread");
    expect(listed.stdout).toMatch(/\[warning\] From CI/);
    expect(listed.stdout).toMatch(/\[info\] Import done — 1,204 rows/);
    const json = JSON.parse((await headway(["notify", "--list", "--json", ...local])).stdout);
    expect(json.notifications.map((n: { title: string }) => n.title)).toEqual(["From CI", "Import done"]);
  });
});
