import {
  createUIMessageStream,
  createUIMessageStreamResponse,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { describe, expect, it } from "vitest";
import { type StatusDataParts, statusPartId, writeStatusUpdate } from "../../src/status/index.js";

type StatusMessage = UIMessage<unknown, StatusDataParts>;

function buildStream() {
  return createUIMessageStream<StatusMessage>({
    execute: ({ writer }) => {
      writer.write({ type: "start", messageId: "m1" });
      writeStatusUpdate(
        writer,
        { summary: "Searching the docs for OAuth setup…", source: "offline", at: 1 },
        { runId: "r1" },
      );
      writer.write({ type: "text-start", id: "t1" });
      writer.write({ type: "text-delta", id: "t1", delta: "Here is how " });
      writeStatusUpdate(
        writer,
        {
          summary: "Found 12 endpoints; drafting the answer…",
          components: [{ type: "progress", details: { percent: 60 } }],
          percent: 60,
          source: "model",
          at: 2,
        },
        { runId: "r1" },
      );
      writer.write({ type: "text-delta", id: "t1", delta: "to set up OAuth." });
      writer.write({ type: "text-end", id: "t1" });
      writer.write({ type: "finish" });
    },
  });
}

describe("writeStatusUpdate into an AI SDK UI message stream", () => {
  it("a real consumer sees one data-operation per update and one data-status part replaced in place", async () => {
    let last: StatusMessage | undefined;
    const statusIdsSeen = new Set<string>();
    for await (const message of readUIMessageStream<StatusMessage>({
      stream: buildStream() as ReadableStream<UIMessageChunk>,
    })) {
      last = message;
      for (const part of message.parts) if (part.type === "data-status" && part.id) statusIdsSeen.add(part.id);
    }
    expect(last).toBeDefined();
    const parts = last?.parts ?? [];
    const operations = parts.filter((p) => p.type === "data-operation");
    expect(operations.map((p) => p.data)).toEqual([
      { type: "status_update", ctx: { summary: "Searching the docs for OAuth setup…", components: [] } },
      {
        type: "status_update",
        ctx: {
          summary: "Found 12 endpoints; drafting the answer…",
          components: [{ type: "progress", details: { percent: 60 } }],
        },
      },
    ]);
    const statuses = parts.filter((p) => p.type === "data-status");
    expect(statuses).toHaveLength(1); // replaced in place, never appended
    expect(statuses[0]).toMatchObject({
      id: statusPartId("r1"),
      data: { runId: "r1", summary: "Found 12 endpoints; drafting the answer…", percent: 60, source: "model" },
    });
    expect([...statusIdsSeen]).toEqual(["status-r1"]);
    expect(parts.find((p) => p.type === "text")).toMatchObject({ text: "Here is how to set up OAuth." });
  });

  it("the SSE of createUIMessageStreamResponse carries both parts with the stable id", async () => {
    const response = createUIMessageStreamResponse({ stream: buildStream() as ReadableStream<UIMessageChunk> });
    const body = await response.text();
    const chunks = body
      .split("\n\n")
      .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
      .map((frame) => JSON.parse(frame.slice("data: ".length)) as { type: string; id?: string });
    const status = chunks.filter((c) => c.type === "data-status");
    expect(status).toHaveLength(2);
    expect(new Set(status.map((c) => c.id))).toEqual(new Set(["status-r1"]));
    expect(chunks.filter((c) => c.type === "data-operation")).toHaveLength(2);
  });
});
