import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AgentRun } from "../../src/core/index.js";
import { createHeadwayApp, type StartServerOptions, startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";

export const BASE = "/_agent-native/runs";

/** A real server on 127.0.0.1:0 over a fresh SQLite file, closed after the test. */
export async function serveRuns(options: Partial<StartServerOptions> = {}) {
  const f = fixture();
  const server = await startServer({
    progress: f.progress,
    port: 0,
    host: "127.0.0.1",
    dashboardDir: false,
    ...options,
  });
  onCleanup(() => server.close());
  return { ...f, server };
}

/** A real server whose stream route answers 503, as behind a proxy that cannot stream. */
export async function serveWithoutStream() {
  const f = fixture();
  const app = new Hono();
  app.get(`${BASE}/stream`, (c) => c.text("streaming is off here", 503));
  app.route("/", createHeadwayApp({ progress: f.progress, dashboardDir: false }));
  const url = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  });
  return { ...f, url };
}

/** Resolves once `check` holds, polling every 10 ms; rejects naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const byTitle = (runs: AgentRun[], title: string) => runs.find((run) => run.title === title);
