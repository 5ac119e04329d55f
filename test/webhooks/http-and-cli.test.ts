/**
 * The webhooks API for the owner (in-process, `app.request`) and the
 * `headway webhooks` CLI, then both against a running server: a delivery
 * that exhausts its attempts is visible as dead over HTTP and in the CLI,
 * and a replay from either delivers it.
 */
import { describe, expect, it } from "vitest";
import { createHeadwayApp, startServer } from "../../src/server/index.js";
import { headway } from "../helpers/cli.js";
import { eventually, fixture, onCleanup } from "../server/helpers.js";
import { startReceiver } from "./receiver.js";

const HOOKS = "/_agent-native/webhooks";

async function setup() {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false });
  const as =
    (token: string) =>
    (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const { json, ...rest } = init;
      const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
      if (json !== undefined) headers["Content-Type"] = "application/json";
      return app.request(path, {
        ...rest,
        headers: { ...headers, ...(rest.headers as Record<string, string>) },
        ...(json !== undefined ? { body: typeof json === "string" ? json : JSON.stringify(json) } : {}),
      });
    };
  return { ...f, app, ann: as(await f.tokenFor("ann")), bob: as(await f.tokenFor("bob")) };
}

describe("webhooks API, in-process", () => {
  it("creates an endpoint (secret once), lists it with delivery counts, pauses, removes; another owner's is a 404", async () => {
    const { ann, bob, app } = await setup();
    const created = await ann(HOOKS, {
      method: "POST",
      json: { url: "https://example.com/hooks", events: ["run.progress.updated"], description: "CI" },
    });
    expect(created.status).toBe(201);
    const { endpoint, secret } = await created.json();
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({
      owner: "ann",
      url: "https://example.com/hooks",
      events: ["run.progress.updated"],
    });

    const listed = await (await ann(HOOKS)).json();
    expect(listed).toEqual({ endpoints: [{ ...endpoint, deliveries: { pending: 0, delivered: 0, dead: 0 } }] });
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(await (await bob(HOOKS)).json()).toEqual({ endpoints: [] });
    expect((await (await ann(`${HOOKS}/${endpoint.id}`)).json()).endpoint.id).toBe(endpoint.id);

    for (const [method, path, json] of [
      ["GET", `${HOOKS}/${endpoint.id}`, undefined],
      ["PATCH", `${HOOKS}/${endpoint.id}`, { disabled: true }],
      ["DELETE", `${HOOKS}/${endpoint.id}`, undefined],
      ["POST", `${HOOKS}/${endpoint.id}/replay`, undefined],
      ["GET", `${HOOKS}/deliveries?endpoint=${endpoint.id}`, undefined],
    ] as const) {
      const response = await bob(path, { method, json });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: "webhook_not_found", message: `webhook endpoint ${endpoint.id} not found` },
      });
    }
    expect((await bob(`${HOOKS}/deliveries/whd_nothing`)).status).toBe(404);

    const paused = await (await ann(`${HOOKS}/${endpoint.id}`, { method: "PATCH", json: { disabled: true } })).json();
    expect(paused.endpoint.disabledAt).not.toBeNull();
    const resumed = await (await ann(`${HOOKS}/${endpoint.id}`, { method: "PATCH", json: { disabled: false } })).json();
    expect(resumed.endpoint.disabledAt).toBeNull();
    expect(await (await ann(`${HOOKS}/${endpoint.id}/replay`, { method: "POST" })).json()).toEqual({ replayed: 0 });
    expect(await (await ann(`${HOOKS}/${endpoint.id}`, { method: "DELETE" })).json()).toEqual({
      deleted: true,
      id: endpoint.id,
    });
    expect((await ann(`${HOOKS}/${endpoint.id}`)).status).toBe(404);
    expect((await app.request(HOOKS)).status).toBe(401);
  });

  it("answers bad input with a 400 naming the field and the limit", async () => {
    const { ann } = await setup();
    const problem = async (path: string, init: RequestInit & { json?: unknown }) => {
      const response = await ann(path, init);
      expect(response.status, JSON.stringify(init.json)).toBe(400);
      return ((await response.json()) as { error: { message: string } }).error.message;
    };
    const post = (json: unknown) => problem(HOOKS, { method: "POST", json });
    expect(await post({ url: "file:///etc/passwd" })).toBe("url: must use http:// or https:// (got file:)");
    expect(await post({ url: "not a url" })).toMatch(/^url: must be an absolute URL/);
    expect(await post({ url: `https://e.example/${"x".repeat(2100)}` })).toBe("url: must be at most 2048 characters");
    expect(await post({ url: "https://e.example", events: ["run.started"] })).toBe(
      "events.0: must be one of run.progress.started, run.progress.updated, run.deleted, run.status.update, notification.created",
    );
    expect(await post({ url: "https://e.example", owner: "bob" })).toMatch(/^owner: is not a known field/);
    expect(await post({})).toBe("url: must be a string");
    expect(await post("{not json")).toBe("body: must be a JSON object");
    expect(await post([1])).toBe("body: must be an object");
    expect(await problem(`${HOOKS}/deliveries?status=lost`, {})).toBe(
      "status: must be one of pending, delivered, dead",
    );
    expect(await problem(`${HOOKS}/deliveries?limit=501`, {})).toBe("limit: must be at most 500");
    expect(await problem(`${HOOKS}/${"x".repeat(65)}`, {})).toBe("id: must be at most 64 characters");
    expect(await problem(`${HOOKS}/whe_x`, { method: "PATCH", json: { disabled: "yes" } })).toBe(
      "disabled: must be true or false",
    );
  });
});

describe("dead letters and replay, through a running server, its HTTP API and the CLI", () => {
  it("shows a delivery that ran out of attempts as dead, with why, and delivers it on replay", async () => {
    const f = fixture({ followExternalWrites: true });
    const receiver = await startReceiver();
    onCleanup(() => receiver.close());
    const server = await startServer({
      progress: f.progress,
      port: 0,
      dashboardDir: false,
      webhookDelivery: { retry: { maxAttempts: 2, baseDelayMs: 20, jitter: 0 }, pollIntervalMs: 25 },
    });
    onCleanup(() => server.close());
    const db = ["--database", f.path];

    const added = await headway(["webhooks", "add", "--owner", "ann", "--url", `${receiver.url}/in`, ...db]);
    expect(added.code, added.stderr).toBe(0);
    receiver.secret = added.stdout.trim();
    expect(receiver.secret).toMatch(/^whsec_/);
    expect(added.stderr).toMatch(/^Created whe_\S+ for ann: every event to http:\/\/127\.0\.0\.1:\d+\/in\./);
    const [endpoint] = JSON.parse((await headway(["webhooks", "list", "--json", ...db])).stdout);
    expect(endpoint).toMatchObject({ owner: "ann", deliveries: { pending: 0, delivered: 0, dead: 0 } });

    receiver.respond = () => ({ status: 500, body: "receiver broken" });
    const token = await f.tokenFor("ann");
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${HOOKS}${path}`, { ...init, headers: { Authorization: `Bearer ${token}` } });
    await f.progress.startRun({ owner: "ann", title: "Nightly export" });

    let dead: Array<{ id: string; eventId: string; attempts: number; lastError: string }> = [];
    await eventually(
      async () => {
        dead = (await (await api("/deliveries?status=dead")).json()).deliveries;
        return dead.length === 1;
      },
      10_000,
      "a dead delivery",
    );
    expect(dead[0]).toMatchObject({ attempts: 2, lastStatusCode: 500, lastError: "HTTP 500: receiver broken" });
    const detail = await (await api(`/deliveries/${dead[0]?.id}`)).json();
    expect(detail.event).toMatchObject({ id: dead[0]?.eventId, type: "run.progress.started", owner: "ann" });
    const listed = await headway(["webhooks", "deliveries", "--owner", "ann", "--status", "dead", ...db]);
    expect(listed.stdout).toMatch(
      new RegExp(
        `${dead[0]?.id}\\s+${endpoint.id}\\s+${dead[0]?.eventId}\\s+run\\.progress\\.started\\s+dead\\s+2\\s+HTTP 500: receiver broken`,
      ),
    );
    expect((await headway(["webhooks", "list", ...db])).stdout).toMatch(
      new RegExp(`${endpoint.id}\\s+ann\\s+\\S+/in\\s+all\\s+active\\s+0\\s+1`),
    );

    // Replay from the CLI: the server's dispatcher delivers it.
    receiver.respond = () => 200;
    const replayed = await headway(["webhooks", "replay", dead[0]?.id ?? "", ...db]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain(`${dead[0]?.id} (event ${dead[0]?.eventId}) is pending`);
    await eventually(async () => receiver.accepted().length === 1, 10_000, "the CLI replay delivered");
    expect(receiver.accepted()[0]?.id).toBe(dead[0]?.eventId);

    // Another dead one, replayed for the whole endpoint over HTTP.
    receiver.respond = () => 500;
    await f.progress.startRun({ owner: "ann", title: "Second export" });
    await eventually(
      async () => (await (await api("/deliveries?status=dead")).json()).deliveries.length === 1,
      10_000,
      "a second dead delivery",
    );
    receiver.respond = () => 204;
    expect(await (await api(`/${endpoint.id}/replay`, { method: "POST" })).json()).toEqual({ replayed: 1 });
    await eventually(async () => receiver.accepted().length === 2, 10_000, "the HTTP replay delivered");
    // The receiver answered; the outcome is stored a moment later.
    await expect
      .poll(async () => (await (await api(`/${endpoint.id}`)).json()).endpoint.deliveries)
      .toEqual({ pending: 0, delivered: 2, dead: 0 });

    // Usage errors name the option; removing takes the endpoint and its deliveries.
    const bad = await headway(["webhooks", "add", "--owner", "ann", "--url", "ftp://x.example", ...db]);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain("headway webhooks add: --url: must use http:// or https:// (got ftp:)");
    const badEvents = await headway([
      "webhooks",
      "add",
      "--owner",
      "ann",
      "--url",
      receiver.url,
      "--events",
      "x",
      ...db,
    ]);
    expect(badEvents.stderr).toContain("--events.0: must be one of run.progress.started");
    const removed = await headway(["webhooks", "remove", endpoint.id, ...db]);
    expect(removed.stdout).toContain(`Removed ${endpoint.id}`);
    expect((await headway(["webhooks", "deliveries", ...db])).stdout).toContain("No deliveries.");
    expect((await headway(["webhooks", "remove", endpoint.id, ...db])).code).toBe(1);
  }, 60_000);
});
