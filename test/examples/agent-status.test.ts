import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readUIMessageStream } from "ai";
import { describe, expect, it } from "vitest";
import { type ChatMessage, startAgentWithStatus } from "../../examples/agent-status.js";
import type { HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { statusPartId } from "../../src/status/index.js";
import { fixture, listen, onCleanup } from "../server/helpers.js";

const exec = promisify(execFile);

/** Summaries of the run.status.update events a stream client received. */
const summariesOf = (events: Array<{ type: string; data: unknown }>) =>
  events
    .filter((e) => e.type === "run.status.update")
    .map((e) => (e.data as Extract<HeadwayEvent, { type: "run.status.update" }>).payload.summary);

describe("examples/agent-status.ts", () => {
  it("runs as a script: prints what the dashboard and the chat show, and its updates reach a server's stream", async () => {
    // A server on the same database file, as `headway serve` would be: the example's writes reach its stream.
    const { progress, path, tokenFor } = fixture({ followExternalWrites: true });
    const server = await startServer({ progress, port: 0, host: "127.0.0.1", dashboardDir: false });
    onCleanup(() => server.close());
    const client = listen(`${server.url}/_agent-native/runs/stream`, await tokenFor("ann"));
    await client.until((events) => events.length >= 1, 10_000, "the snapshot");

    const { stdout, stderr } = await exec(
      process.execPath,
      ["--import", "tsx", "examples/agent-status.ts", "--pace", "40"],
      { env: { ...process.env, HEADWAY_DATABASE_URL: path, HEADWAY_OWNER: "ann" }, timeout: 60_000 },
    );
    expect(stderr).toBe("");
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Started run \S+ for ann /);
    const chat = lines.filter((l) => l.startsWith("chat      │ ⋯ ")).map((l) => l.slice("chat      │ ⋯ ".length));
    const dashboard = lines.filter((l) => l.startsWith("dashboard │ ")).map((l) => l.slice("dashboard │ ".length));
    // The chat's status line: plain sentences about what changed, no tool identifiers.
    // (How events group into updates depends on timing; what they say does not.)
    expect(chat[0]).toBe("Searching docs for “OAuth setup”…");
    expect(chat.join(" ")).toContain("Found 3 pages");
    expect(chat.join(" ")).toMatch(/reading the page on (register an app|authorization code)/i);
    expect(chat.at(-1)).toMatch(/saved a draft of the answer\.$/i);
    expect(chat.join("\n")).not.toMatch(/search_docs|read_page|save_draft|https?:/);
    // The dashboard's row: the same summaries as its step, the agent's percent, then the end.
    for (const summary of chat) expect(dashboard.some((l) => l.includes(` · ${summary}`))).toBe(true);
    expect(dashboard.some((l) => l.startsWith("75% · "))).toBe(true);
    expect(dashboard.at(-1)).toMatch(/^succeeded · Answered: Register your app/);
    expect(lines.at(-1)).toMatch(/^chat {6}│ Register your app to get a client id and secret, .* before it expires\.$/);

    // A server on the same file streamed each update as run.status.update: what the dashboard shows.
    const received = await client.until(
      (events) => events.some((e) => (e.data as HeadwayEvent).run?.status === "succeeded"),
      10_000,
      "the run's completion",
    );
    expect(summariesOf(received)).toEqual(chat);
  }, 90_000);

  it("writes each update into the chat's UI message stream, as a real AI SDK consumer reads it", async () => {
    const { progress } = fixture();
    const events: HeadwayEvent[] = [];
    progress.subscribe((event) => events.push(event), { owner: "ann" });
    const { runId, stream } = await startAgentWithStatus({ progress, owner: "ann", pace: 20 });

    let last: ChatMessage | undefined;
    const statusIds = new Set<string>();
    for await (const message of readUIMessageStream<ChatMessage>({ stream })) {
      last = message;
      for (const part of message.parts) if (part.type === "data-status" && part.id) statusIds.add(part.id);
    }
    await progress.flush();
    const parts = last?.parts ?? [];

    // One data-operation part per update, { type: "status_update", ctx: { summary, components } }.
    const operations = parts.flatMap((p) => (p.type === "data-operation" ? [p.data] : []));
    const posted = events.flatMap((e) => (e.type === "run.status.update" ? [e.payload.summary] : []));
    expect(operations.length).toBeGreaterThanOrEqual(3);
    expect(operations.map((o) => o.type)).toEqual(operations.map(() => "status_update"));
    expect(operations.map((o) => o.ctx.summary)).toEqual(posted); // the chat and the run got the same updates
    expect(operations[0]?.ctx).toEqual({ summary: "Searching docs for “OAuth setup”…", components: [] });

    // One data-status part, replaced in place, holding the latest update.
    const statuses = parts.filter((p) => p.type === "data-status");
    expect(statuses).toHaveLength(1);
    expect([...statusIds]).toEqual([statusPartId(runId)]);
    expect(statuses[0]).toMatchObject({ data: { runId, summary: posted.at(-1), source: "offline" } });

    // The model's own parts came through the same stream: its tool calls with their outputs, and the answer.
    const tools = parts.flatMap((p) => (p.type.startsWith("tool-") ? [p as { type: string; state: string }] : []));
    expect(tools.map((t) => t.type)).toEqual([
      "tool-search_docs",
      "tool-read_page",
      "tool-read_page",
      "tool-save_draft",
    ]);
    expect(tools.every((t) => t.state === "output-available")).toBe(true);
    const answer = parts.find((p) => p.type === "text");
    expect(answer?.type === "text" && answer.text).toMatch(/^Register your app .* before it expires\.$/);

    // The run: the agent's percent along the way, completed with the answer.
    const run = await progress.getRun(runId, "ann");
    expect(run).toMatchObject({ status: "succeeded", percent: 100 });
    expect(run?.step).toMatch(/^Answered: Register your app/);
    const percents = events.flatMap((e) => (e.run?.id === runId && e.run.status === "running" ? [e.run.percent] : []));
    expect(new Set(percents)).toEqual(new Set([0, 25, 50, 75]));
  }, 60_000);
});
