import { createParser, type EventSourceMessage } from "eventsource-parser";
import { errorFromResponse } from "./client-error.js";
import type { ResolvedClientOptions } from "./client-options.js";

export interface SseConnectOptions {
  url: string;
  headers: Record<string, string>;
  lastEventId: string | null;
  signal: AbortSignal;
  idleTimeoutMs: number;
  /** The response is a stream: the connection is live. */
  onOpen: () => void;
  onMessage: (message: EventSourceMessage) => void;
}

/**
 * Reads one SSE response to its end with fetch streaming (so the bearer
 * token travels in a header, which EventSource cannot do). Resolves when the
 * server ends the stream, rejects on a refusal, a network error or silence
 * longer than `idleTimeoutMs`.
 */
export async function readSseStream(options: ResolvedClientOptions, connect: SseConnectOptions): Promise<void> {
  const idle = new AbortController();
  const signal = AbortSignal.any([connect.signal, idle.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => idle.abort(new Error(`stream: no data for ${connect.idleTimeoutMs} ms`)),
      connect.idleTimeoutMs,
    );
  };
  armIdle();
  try {
    const headers: Record<string, string> = { Accept: "text/event-stream", ...connect.headers };
    if (connect.lastEventId) headers["Last-Event-ID"] = connect.lastEventId;
    const response = await options.fetch(connect.url, { headers, signal, cache: "no-store" });
    if (!response.ok) throw await errorFromResponse(response);
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream") || !response.body) {
      await response.body?.cancel();
      throw new Error(`stream: expected text/event-stream, got "${type || "no body"}"`);
    }
    connect.onOpen();
    const parser = createParser({ onEvent: connect.onMessage });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        armIdle();
        parser.feed(value);
      }
    } finally {
      reader.releaseLock();
    }
  } catch (error) {
    if (idle.signal.aborted && !connect.signal.aborted) throw idle.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
