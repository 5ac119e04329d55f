import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { createHeadwayApp, type HeadwayAppOptions } from "../../src/server/index.js";
import { resolveLimits } from "../../src/server/limits/limits-options.js";
import { fixture } from "./helpers.js";

const BASE = "/_agent-native/runs";

async function setup(options: Partial<HeadwayAppOptions> = {}) {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false, ...options });
  const annToken = await f.tokenFor("ann@example.com");
  const bobToken = await f.tokenFor("bob@example.com");
  const as =
    (token: string) =>
    (path: string, init: RequestInit = {}) =>
      app.request(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
  return { ...f, app, annToken, ann: as(annToken), bob: as(bobToken) };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

/** Reads a stream response until its first event of `type`, then cancels it. */
async function firstEvent(response: Response, type: string): Promise<EventSourceMessage> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let found: EventSourceMessage | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (event.event === type) found ??= event;
    },
  });
  while (!found) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  if (!found) throw new Error(`the stream ended before a ${type} event`);
  return found;
}

describe("limits", () => {
  it("resolves documented defaults, and names a bad or unknown limit", () => {
    expect(resolveLimits()).toEqual({
      maxBodyBytes: 1024 * 1024,
      maxStreamsPerOwner: 100,
      requestsPerSecond: 100,
      requestBurst: 200,
      authFailuresPerSecond: 5,
      authFailureBurst: 20,
      streamBufferBytes: 1024 * 1024,
      reauthIntervalMs: 500,
    });
    expect(() => resolveLimits({ maxBodyBytes: 0 })).toThrow(/maxBodyBytes: must be at least 1/);
    expect(() => resolveLimits({ maxBodyBytez: 5 } as never)).toThrow(/maxBodyBytez/);
  });

  it("answers a body over maxBodyBytes with 413 on every route, declared or streamed", async () => {
    const { ann, progress } = await setup({ limits: { maxBodyBytes: 1000 } });
    const run = await progress.startRun({ owner: "ann@example.com", title: "t" });
    const big = "x".repeat(5000);
    for (const [method, path] of [
      ["POST", `${BASE}/${run.id}/cancel`],
      ["POST", "/mcp"],
      ["DELETE", `${BASE}/${run.id}`],
      ["POST", "/healthz"],
    ] as const) {
      const response = await ann(path, { method, body: big, headers: { "Content-Type": "application/json" } });
      expect(response.status, `${method} ${path}`).toBe(413);
      expect(await errorOf(response)).toMatchObject({
        code: "body_too_large",
        message: expect.stringMatching(/1000 bytes/),
      });
    }
    // No Content-Length: the body is counted as it streams in.
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("y".repeat(500)));
        controller.close();
      },
    });
    const response = await ann(`${BASE}/${run.id}/cancel`, {
      method: "POST",
      body: streamed,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    // The run was not cancelled by the refused request; a small body still works.
    expect((await progress.getRun(run.id, "ann@example.com"))?.cancelRequested).toBe(false);
    expect((await ann(`${BASE}/${run.id}/cancel`, { method: "POST", body: "{}" })).status).toBe(200);
  });

  it("refuses an owner's stream past maxStreamsPerOwner with 429 and Retry-After; closing one frees a place", async () => {
    const { ann, bob } = await setup({ limits: { maxStreamsPerOwner: 2 } });
    const first = await ann(`${BASE}/stream`);
    const second = await ann(`${BASE}/stream`);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await ann(`${BASE}/stream`);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(third)).toMatchObject({ code: "too_many_streams" });
    // Another owner is not affected.
    const bobs = await bob(`${BASE}/stream`);
    expect(bobs.status).toBe(200);
    await bobs.body?.cancel();
    await first.body?.cancel();
    const again = await ann(`${BASE}/stream`);
    expect(again.status).toBe(200);
    await again.body?.cancel();
    await second.body?.cancel();
  });

  it("limits requests per token: past the burst a 429 with Retry-After, other tokens unaffected", async () => {
    const { ann, bob } = await setup({ limits: { requestsPerSecond: 1, requestBurst: 3 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ann(BASE)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await ann(BASE);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(limited)).toMatchObject({ code: "rate_limited" });
    expect((await ann("/mcp", { method: "POST", body: "{}" })).status).toBe(429);
    expect((await bob(BASE)).status).toBe(200);
  });

  it("limits failed authentications per client address, then refuses even before checking a token", async () => {
    const { app, ann } = await setup({ limits: { authFailuresPerSecond: 0.5, authFailureBurst: 3 } });
    const bad = () => app.request(BASE, { headers: { Authorization: `Bearer hw_${"A".repeat(43)}` } });
    expect([(await bad()).status, (await bad()).status, (await bad()).status]).toEqual([401, 401, 401]);
    const flooded = await bad();
    expect(flooded.status).toBe(429);
    expect(Number(flooded.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(flooded)).toMatchObject({ code: "too_many_auth_failures" });
    // Same address: blocked until the allowance refills, whatever the token.
    expect((await ann(BASE)).status).toBe(429);
  });

  it("does not count requests that present no credential: a signed-out page is told to sign in, not to wait", async () => {
    const { app, ann } = await setup({ limits: { authFailuresPerSecond: 0.5, authFailureBurst: 3 } });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await app.request(i % 2 ? `${BASE}/counts` : BASE)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    expect((await ann(BASE)).status).toBe(200);
    // A refused session cookie or bearer token still counts.
    const cookie = { Cookie: `headway_session_80=hws_${"C".repeat(43)}` };
    for (let i = 0; i < 3; i++) expect((await app.request(BASE, { headers: cookie })).status).toBe(401);
    expect((await app.request(BASE, { headers: cookie })).status).toBe(429);
  });

  it("counts every refusal under resolveOwner, whose credentials only the host app knows", async () => {
    const { app } = await setup({
      resolveOwner: () => null,
      limits: { authFailuresPerSecond: 0.5, authFailureBurst: 3 },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request(BASE)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("counts failed authentications per address, so one flooding address does not lock out another", async () => {
    const { app, annToken } = await setup({ limits: { authFailuresPerSecond: 0.5, authFailureBurst: 2 } });
    const from = (address: string, token: string) =>
      app.request(
        BASE,
        { headers: { Authorization: `Bearer ${token}` } },
        { incoming: { socket: { remoteAddress: address } } },
      );
    const junk = `hw_${"B".repeat(43)}`;
    for (let i = 0; i < 3; i++) await from("10.0.0.1", junk);
    expect((await from("10.0.0.1", annToken)).status).toBe(429);
    expect((await from("10.0.0.2", annToken)).status).toBe(200);
  });
});

describe("query strings", () => {
  it("uses the first value of a repeated parameter (?limit=5&limit=999 lists 5)", async () => {
    const { ann, progress } = await setup();
    for (let i = 0; i < 7; i++) await progress.startRun({ owner: "ann@example.com", title: `run ${i}` });
    const response = await ann(`${BASE}?limit=5&limit=999`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { runs: unknown[] }).runs).toHaveLength(5);
    // And the other way round: the first value is the one checked.
    expect((await ann(`${BASE}?limit=999&limit=5`)).status).toBe(400);
  });
});

describe("a stream of one run", () => {
  it("carries all 600 children of a parent in its snapshot, not a quietly cut 500", async () => {
    const { ann, progress } = await setup({ limits: { requestBurst: 1000 } });
    const parent = await progress.startRun({ owner: "ann@example.com", title: "parent" });
    await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        progress.startRun({ owner: "ann@example.com", title: `child ${i}`, parentId: parent.id }),
      ),
    );
    const snapshot = await firstEvent(await ann(`${BASE}/stream?run=${parent.id}`), "snapshot");
    const body = JSON.parse(snapshot.data) as {
      runs: Array<{ id: string; parentId: string | null }>;
      truncated?: boolean;
    };
    expect(body.runs).toHaveLength(601);
    expect(body.runs[0]?.id).toBe(parent.id);
    expect(new Set(body.runs.slice(1).map((run) => run.parentId))).toEqual(new Set([parent.id]));
    expect(body.truncated).toBeUndefined();
  });

  it("says so when the children pass the snapshot's cap of 10,000: truncated with the limit", async () => {
    const { ann, progress } = await setup();
    const parent = await progress.startRun({ owner: "ann@example.com", title: "parent" });
    for (let i = 0; i < 10_001; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, 10_001 - i) }, (_, j) =>
          progress.startRun({ owner: "ann@example.com", title: `child ${i + j}`, parentId: parent.id }),
        ),
      );
    }
    const snapshot = await firstEvent(await ann(`${BASE}/stream?run=${parent.id}`), "snapshot");
    const body = JSON.parse(snapshot.data) as { runs: unknown[]; truncated?: boolean; limit?: number };
    expect(body.runs).toHaveLength(10_001);
    expect(body).toMatchObject({ truncated: true, limit: 10_000 });
    expect(snapshot.id).toMatch(/^\d+-0$/);
  }, 60_000);
});
