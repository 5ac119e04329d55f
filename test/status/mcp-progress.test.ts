import { describe, expect, it } from "vitest";
import { type McpProgressNotification, mcpProgressNotifier, type StatusUpdate } from "../../src/status/index.js";

const update = (summary: string, percent?: number): StatusUpdate => ({
  summary,
  source: "offline",
  eventCount: 1,
  at: 0,
  ...(percent !== undefined ? { percent } : {}),
});

describe("MCP notifications/progress", () => {
  it("maps updates onto increasing progress with the summary as message", () => {
    const sent: McpProgressNotification[] = [];
    const notify = mcpProgressNotifier({ progressToken: "tok-1", send: (n) => sent.push(n) });
    notify(update("Searching docs…"));
    notify(update("Found 12 endpoints", 40));
    notify(update("Still at 40%", 40)); // a stall: progress must still increase
    notify(update("Drafting", 70));
    expect(sent.map((n) => n.params)).toEqual([
      { progressToken: "tok-1", progress: 1, message: "Searching docs…" },
      { progressToken: "tok-1", progress: 40, total: 100, message: "Found 12 endpoints" },
      { progressToken: "tok-1", progress: 40.1, total: 100, message: "Still at 40%" },
      { progressToken: "tok-1", progress: 70, total: 100, message: "Drafting" },
    ]);
    expect(sent.every((n) => n.method === "notifications/progress")).toBe(true);
  });

  it("a failing transport never throws into the caller", () => {
    const notify = mcpProgressNotifier({
      progressToken: 7,
      send: () => {
        throw new Error("transport closed");
      },
    });
    expect(() => notify(update("x", 10))).not.toThrow();
    const rejecting = mcpProgressNotifier({ progressToken: 7, send: () => Promise.reject(new Error("closed")) });
    expect(() => rejecting(update("y"))).not.toThrow();
  });
});
