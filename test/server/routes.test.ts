import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createHeadwayApp, type HeadwayAppOptions } from "../../src/server/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { fixture } from "./helpers.js";

const BASE = "/_agent-native/runs";

async function setup(options: Partial<HeadwayAppOptions> = {}) {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false, ...options });
  const ann = await f.tokenFor("ann@example.com");
  const bob = await f.tokenFor("bob@example.com");
  const as =
    (token: string) =>
    (path: string, init: RequestInit = {}) =>
      app.request(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
  return { ...f, app, ann: as(ann), bob: as(bob) };
}

describe("runs API, in-process", () => {
  it("lists the owner's runs newest first, active only on request, with a cursor for the next page", async () => {
    const { progress, ann } = await setup();
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await progress.startRun({ owner: "ann@example.com", title: `run ${i}` }));
    await progress.completeRun(runs[1]!.id, "ann@example.com", "succeeded");
    await progress.startRun({ owner: "bob@example.com", title: "bob's" });

    const all = await (await ann(BASE)).json();
    expect(all.runs.map((r: { title: string }) => r.title)).toEqual(["run 4", "run 3", "run 2", "run 1", "run 0"]);
    expect(all.nextCursor).toBeNull();

    const active = await (await ann(`${BASE}?active=true`)).json();
    expect(active.runs.map((r: { title: string }) => r.title)).toEqual(["run 4", "run 3", "run 2", "run 0"]);

    const page1 = await (await ann(`${BASE}?limit=2`)).json();
    expect(page1.runs.map((r: { title: string }) => r.title)).toEqual(["run 4", "run 3"]);
    const page2 = await (await ann(`${BASE}?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.runs.map((r: { title: string }) => r.title)).toEqual(["run 2", "run 1"]);
    const page3 = await (await ann(`${BASE}?limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3).toMatchObject({ runs: [{ title: "run 0" }], nextCursor: null });
  });

  it("lists children of a run with ?parent=", async () => {
    const { progress, ann } = await setup();
    const parent = await progress.startRun({ owner: "ann@example.com", title: "parent" });
    await progress.startRun({ owner: "ann@example.com", title: "child", parentId: parent.id });
    await progress.startRun({ owner: "ann@example.com", title: "unrelated" });
    const body = await (await ann(`${BASE}?parent=${parent.id}`)).json();
    expect(body.runs.map((r: { title: string }) => r.title)).toEqual(["child"]);
  });

  it("gets a run, its history, cancels and deletes it", async () => {
    const { progress, ann } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "Triage", step: "reading" });
    await progress.updateRunProgress(run.id, "ann@example.com", { percent: 40, step: "sorting" });

    const got = await ann(`${BASE}/${run.id}`);
    expect(got.status).toBe(200);
    expect((await got.json()).run).toMatchObject({ id: run.id, percent: 40, step: "sorting", status: "running" });

    const history = await (await ann(`${BASE}/${run.id}/events`)).json();
    expect(history.events[0]).toMatchObject({ type: "started", step: "reading" });

    const cancelled = await ann(`${BASE}/${run.id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect((await cancelled.json()).run).toMatchObject({ cancelRequested: true, status: "running" });
    expect((await progress.getRun(run.id, "ann@example.com"))?.cancelRequested).toBe(true);

    const removed = await ann(`${BASE}/${run.id}`, { method: "DELETE" });
    expect(await removed.json()).toEqual({ deleted: true, id: run.id });
    expect(await progress.getRun(run.id, "ann@example.com")).toBeNull();
    expect((await ann(`${BASE}/${run.id}`)).status).toBe(404);
    expect((await ann(`${BASE}/${run.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("says plainly that a finished run cannot be cancelled", async () => {
    const { progress, ann } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "done" });
    await progress.completeRun(run.id, "ann@example.com", "succeeded");
    const res = await ann(`${BASE}/${run.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: { code: "run_terminal", message: `run ${run.id} already succeeded; there is nothing to cancel` },
    });
  });

  it("never shows or touches another owner's run: 404 on every route, nothing changes", async () => {
    const { progress, bob } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "ann's secret", percent: 10 });
    const routes: Array<[string, string]> = [
      ["GET", `${BASE}/${run.id}`],
      ["GET", `${BASE}/${run.id}/events`],
      ["POST", `${BASE}/${run.id}/cancel`],
      ["DELETE", `${BASE}/${run.id}`],
      ["GET", `${BASE}/stream?run=${run.id}`],
    ];
    for (const [method, path] of routes) {
      const res = await bob(path, { method });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(await res.json()).toEqual({ error: { code: "run_not_found", message: `run ${run.id} not found` } });
    }
    expect((await (await bob(BASE)).json()).runs).toEqual([]);
    expect((await (await bob(`${BASE}?parent=${run.id}`)).json()).runs).toEqual([]);
    expect(await progress.getRun(run.id, "ann@example.com")).toMatchObject({ cancelRequested: false, version: 1 });
  });

  it("answers 401 with how to get a token, for a missing, malformed, unknown or revoked token", async () => {
    const { app, tokens } = await setup();
    const { token, record } = await tokens.create({ owner: "ann@example.com" });
    await tokens.revoke(record.id);
    const cases: Array<Record<string, string>> = [
      {},
      { Authorization: "Basic abc" },
      { Authorization: "Bearer hw_unknown" },
      { Authorization: `Bearer ${token}` },
    ];
    for (const headers of cases) {
      const res = await app.request(BASE, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="headway"');
      const body = await res.json();
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.message).toContain("headway tokens create --owner you@example.com");
    }
    // The token in the URL is for browsers' EventSource on the stream only.
    const live = await tokens.create({ owner: "ann@example.com" });
    expect((await app.request(`${BASE}?token=${live.token}`)).status).toBe(401);
  });

  it("rejects bad query parameters with 400, naming the parameter and the limit", async () => {
    const { ann } = await setup();
    const cases: Array<[string, string]> = [
      [`${BASE}?limit=0`, "limit: must be at least 1"],
      [`${BASE}?limit=501`, "limit: must be at most 500"],
      [`${BASE}?limit=abc`, "limit: must be a whole number from 1 to 500"],
      [`${BASE}?limit=2.5`, "limit: must be a whole number from 1 to 500"],
      [`${BASE}?active=yes`, "active: must be true or false"],
      [`${BASE}?cursor=${"x".repeat(65)}`, "cursor: must be at most 64 characters"],
      [`${BASE}/${"x".repeat(65)}`, "id: must be at most 64 characters"],
      [`${BASE}/stream?run=${"x".repeat(65)}`, "run: must be at most 64 characters"],
    ];
    for (const [path, message] of cases) {
      const res = await ann(path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(await res.json()).toEqual({ error: { code: "validation_error", message } });
    }
  });

  it("answers unknown routes with a JSON 404", async () => {
    const { ann, app } = await setup();
    const res = await ann(`${BASE}/a/b/c`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("not_found");
    expect((await app.request("/missing.js")).status).toBe(404);
  });

  it("serves health and Prometheus metrics without a token", async () => {
    const { app, ann, progress } = await setup();
    await progress.startRun({ owner: "ann@example.com", title: "counted" });
    await ann(BASE);
    await ann(`${BASE}/nope`);
    expect(await (await app.request("/healthz")).json()).toEqual({ ok: true });
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('headway_http_requests_total{method="GET",route="/_agent-native/runs",status="200"} 1');
    expect(text).toContain('headway_http_requests_total{method="GET",route="/_agent-native/runs/:id",status="404"} 1');
    expect(text).toContain("headway_active_runs 1");
    expect(text).toContain("headway_sse_clients 0");
    expect(text).toContain('headway_events_published_total{type="run.progress.started"} 1');
    expect(text).toMatch(/headway_write_batch_size_count [1-9]/);
    expect(text).toContain("headway_http_request_duration_seconds_bucket");
  });

  it("serves the API under a custom base path, and refuses a base path that clashes", async () => {
    const { ann, progress } = await setup({ basePath: "/api/runs" });
    await progress.startRun({ owner: "ann@example.com", title: "here" });
    expect((await (await ann("/api/runs")).json()).runs).toHaveLength(1);
    expect(() => createHeadwayApp({ progress, basePath: "/mcp" })).toThrow("basePath: must not be one of");
    expect(() => createHeadwayApp({ progress, basePath: "runs/" })).toThrow('basePath: must look like "/api/runs"');
  });
});

describe("resolveOwner, for host apps", () => {
  it("replaces token auth: the host decides who is asking", async () => {
    const { progress } = fixture();
    const app = createHeadwayApp({
      progress,
      dashboardDir: false,
      resolveOwner: (request) => request.headers.get("x-user"),
    });
    await progress.startRun({ owner: "carol", title: "carol's" });
    await progress.startRun({ owner: "dave", title: "dave's" });
    const res = await app.request(BASE, { headers: { "x-user": "carol" } });
    expect((await res.json()).runs.map((r: { title: string }) => r.title)).toEqual(["carol's"]);
    expect((await app.request(BASE)).status).toBe(401);
  });

  it("mounts into an existing Hono app beside the host's own routes", async () => {
    const { progress } = fixture();
    const host = new Hono();
    host.get("/api/me", (c) => c.json({ me: "carol" }));
    host.route("/", createHeadwayApp({ progress, dashboardDir: false, resolveOwner: async () => "carol" }));
    await progress.startRun({ owner: "carol", title: "mounted" });
    expect(await (await host.request("/api/me")).json()).toEqual({ me: "carol" });
    expect((await (await host.request(BASE)).json()).runs[0].title).toBe("mounted");
  });
});

describe("the MCP endpoint", () => {
  it("is a clear 404 when no handler is configured", async () => {
    const { app, tokens } = await setup();
    const { token } = await tokens.create({ owner: "ann@example.com", scope: "agent" });
    const res = await app.request("/mcp", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: "mcp_unavailable" });
  });

  it("hands authenticated agent-scope requests to the handler with the token's owner", async () => {
    const seen: Array<[string, string]> = [];
    const { app, tokens, ann } = await setup({
      mcp: async (request, owner) => {
        seen.push([request.method, owner]);
        return Response.json({ jsonrpc: "2.0", id: 1, result: {} });
      },
    });
    const { token } = await tokens.create({ owner: "ann@example.com", scope: "agent" });
    const res = await app.request("/mcp", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(seen).toEqual([["POST", "ann@example.com"]]);
    // A read token may watch runs but not act as the agent; no token at all is a 401.
    const read = await ann("/mcp", { method: "POST", body: "{}" });
    expect(read.status).toBe(403);
    expect((await read.json()).error.message).toContain("--scope agent");
    expect((await app.request("/mcp", { method: "POST" })).status).toBe(401);
    expect(seen).toHaveLength(1);
  });
});

describe("the dashboard at /", () => {
  it("serves a placeholder that says the dashboard is not built and still streams runs", async () => {
    const { progress } = fixture();
    const app = createHeadwayApp({ progress, dashboardDir: join(tmpdir(), "no-such-dashboard") });
    const res = await app.request("/?token=abc");
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain("The dashboard is not built yet");
    expect(html).toContain('<meta name="headway-base-path" content="/_agent-native/runs">');
    // It streams on the session cookie the ?token= link was traded for; it keeps no token of its own.
    expect(html).toContain('new EventSource(base + "/stream")');
    expect(html).not.toContain("sessionStorage");
  });

  it("serves a built dashboard, telling it the API's paths, with client-side routes falling back to it", async () => {
    const { progress } = fixture();
    const dir = join(dirname(tempDatabasePath()), "dashboard");
    mkdirSync(dir);
    writeFileSync(join(dir, "index.html"), "<html><head><title>Dash</title></head><body>app</body></html>");
    writeFileSync(join(dir, "app.js"), "console.log('dash')");
    const app = createHeadwayApp({
      progress,
      dashboardDir: dir,
      basePath: "/api/runs",
      notificationsPath: "/api/notices",
    });
    const page = await (await app.request("/")).text();
    expect(page).toContain(
      '<meta name="headway-base-path" content="/api/runs"><meta name="headway-notifications-path" content="/api/notices"></head>',
    );
    expect(await (await app.request("/app.js")).text()).toBe("console.log('dash')");
    expect(await (await app.request("/runs/some-id")).text()).toContain("<title>Dash</title>");
    expect((await app.request("/missing.css")).status).toBe(404);
    // Traversal out of the folder finds nothing, however it is spelled.
    writeFileSync(join(dir, "..", "secret.txt"), "secret");
    for (const path of ["/..%2fsecret.txt", "/%2e%2e/secret.txt", "/../secret.txt", "/..\\secret.txt"]) {
      const body = await (await app.request(path)).text();
      expect([path, body]).not.toEqual([path, "secret"]);
    }
  });
});
