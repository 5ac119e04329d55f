import type { StatusUpdate } from "./types.js";

/** An MCP `notifications/progress` message (protocol 2025-03-26 and later carry `message`). */
export interface McpProgressNotification {
  method: "notifications/progress";
  params: { progressToken: string | number; progress: number; total?: number; message: string };
}

export interface McpProgressNotifierOptions {
  /** The `_meta.progressToken` of the request being answered. */
  progressToken: string | number;
  /** Sends one notification, e.g. the MCP SDK's `extra.sendNotification`. Failures are swallowed. */
  send: (notification: McpProgressNotification) => unknown;
}

/**
 * Maps status updates onto MCP `notifications/progress` for one request: the
 * summary is the `message`; `progress` is the percent (with `total: 100`) once
 * an update carries one, else a count of updates. MCP requires `progress` to
 * increase with every notification, so an update whose percent has not moved
 * (a stall) advances it by 0.1 and never past 100.
 * Use: `updater.on("status:posted", ({ update }) => notify(update))`.
 */
export function mcpProgressNotifier(options: McpProgressNotifierOptions): (update: StatusUpdate) => void {
  let last = 0;
  let withTotal = false;
  return (update) => {
    let progress: number;
    if (update.percent !== undefined && update.percent > last) {
      progress = update.percent;
      withTotal = true;
    } else if (withTotal || update.percent !== undefined) {
      withTotal = true;
      progress = Math.min(100, Math.round((last + 0.1) * 10) / 10);
      if (progress <= last) return; // at 100 already: nothing can increase
    } else {
      progress = Math.floor(last) + 1;
    }
    last = progress;
    const params: McpProgressNotification["params"] = {
      progressToken: options.progressToken,
      progress,
      message: update.summary,
    };
    if (withTotal) params.total = 100;
    try {
      const sent = options.send({ method: "notifications/progress", params });
      if (sent && typeof (sent as Promise<unknown>).catch === "function") (sent as Promise<unknown>).catch(() => {});
    } catch {
      // a closed transport must not reach the agent
    }
  };
}
