import { EventSource } from "eventsource";
import { afterEach } from "vitest";
import { createProgress, type Progress, type WatchdogOptions } from "../../src/progress/index.js";
import type { TokenScope, TokenStore } from "../../src/store/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs after the test, last registered first (servers close before the Progress they use). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export interface Fixture {
  progress: Progress;
  tokens: TokenStore;
  path: string;
  tokenFor(owner: string, scope?: TokenScope): Promise<string>;
}

/** A Progress on a fresh SQLite file, with its token store; closed after the test. */
export function fixture(
  options: {
    followExternalWrites?: boolean;
    storeOptions?: { writerThread?: boolean };
    /** The server-side watchdog, as `headway serve` runs it (tests pass short thresholds). */
    watchdog?: WatchdogOptions;
  } = {},
): Fixture {
  const path = tempDatabasePath();
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0, ...options });
  onCleanup(() => progress.close());
  const tokens = progress.backend.tokens;
  return {
    progress,
    tokens,
    path,
    tokenFor: async (owner, scope = "read") => (await tokens.create({ owner, scope })).token,
  };
}

export interface ReceivedEvent {
  type: string;
  id: string;
  data: unknown;
}

const TYPES = [
  "snapshot",
  "run.progress.started",
  "run.progress.updated",
  "run.deleted",
  "run.status.update",
  "notification.created",
];

/** A real SSE client (the `eventsource` package) that sends the token as a bearer header. */
export function listen(url: string, token: string | null, headers: Record<string, string> = {}) {
  const received: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...init.headers, ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      }),
  });
  for (const type of TYPES) {
    source.addEventListener(type, (event) => {
      received.push({ type, id: event.lastEventId, data: JSON.parse(event.data) });
      for (const wake of waiters) wake();
    });
  }
  source.addEventListener("error", (event) => {
    errors.push(event);
    for (const wake of waiters) wake();
  });
  onCleanup(() => source.close());
  /** Waits until `predicate` holds over what arrived, or fails after `timeoutMs`. */
  const until = (predicate: (events: ReceivedEvent[]) => boolean, timeoutMs = 5000, what = "events") =>
    new Promise<ReceivedEvent[]>((resolve, reject) => {
      const check = () => {
        if (!predicate(received)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(received);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(received.map((e) => [e.type, e.id]))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { source, received, errors, until };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Reads a stream with node:http into `frames` until it ends; resolves with the
 * last event id seen. For clients that reconnect by hand, as EventSource would.
 */
export async function readStreamUntilEnd(
  url: string,
  token: string,
  frames: Array<{ event?: string; id?: string; data: string }>,
  lastEventId?: string,
): Promise<string | undefined> {
  const { get } = await import("node:http");
  const { createParser } = await import("eventsource-parser");
  let last = lastEventId;
  const parser = createParser({
    onEvent: (event) => {
      frames.push(event);
      if (event.id) last = event.id;
    },
  });
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (lastEventId) headers["Last-Event-ID"] = lastEventId;
  await new Promise<void>((resolve, reject) => {
    const request = get(url, { headers }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
      res.on("end", resolve);
      res.on("error", resolve);
      res.on("close", resolve);
    });
    request.on("error", reject);
    onCleanup(() => {
      request.destroy();
    });
  });
  return last;
}
