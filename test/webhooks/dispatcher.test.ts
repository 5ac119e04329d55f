/**
 * The dispatcher in this process against a real receiver on 127.0.0.1, on
 * every backend: signed deliveries, retries with backoff after failures,
 * per-run order, dead letters and replay, and what an attempt reports.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseEventId } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import {
  type CreateWebhookDispatcherOptions,
  createWebhookDispatcher,
  type WebhookDispatcher,
} from "../../src/server/index.js";
import type { Backend, WebhookStore } from "../../src/store/index.js";
import { BACKENDS } from "../store/backends.js";
import { type Answer, closedPort, type ReceivedRequest, type Receiver, startReceiver } from "./receiver.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fast, deterministic retries for tests: 50 ms, 100 ms, 200 ms… */
const FAST = { retry: { baseDelayMs: 50, factor: 2, jitter: 0, maxAttempts: 5 }, pollIntervalMs: 20, timeoutMs: 2000 };

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Compares event ids by feed position. */
function position(id: string): number {
  const parsed = parseEventId(id);
  if (!parsed) throw new Error(`not an event id: ${id}`);
  return parsed.commitSeq * 1e6 + parsed.index;
}

/** For each run, the event ids of its requests in arrival order must never go back: a later event waits for an earlier one. */
function orderViolations(requests: readonly ReceivedRequest[]): string[] {
  const last = new Map<string, string>();
  const problems: string[] = [];
  for (const request of requests) {
    const runId = request.event?.run?.id ?? (request.event?.payload as { runId?: string } | undefined)?.runId;
    if (!runId) continue;
    const before = last.get(runId);
    if (before && position(request.id) < position(before)) problems.push(`${runId}: ${request.id} after ${before}`);
    last.set(runId, request.id);
  }
  return problems;
}

describe.each(BACKENDS)("webhook dispatcher: $name", (target) => {
  async function setup(options: Omit<CreateWebhookDispatcherOptions, "backend"> = {}) {
    const backend: Backend = target.open();
    cleanups.push(() => backend.close());
    await backend.ready;
    const progress: Progress = createProgress({ backend, ownsBackend: false, sweepIntervalMs: 0 });
    cleanups.push(() => progress.close());
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const dispatcher: WebhookDispatcher = createWebhookDispatcher({
      backend,
      wakeOn: (wake) => progress.subscribe(() => wake()),
      ...FAST,
      ...options,
    });
    cleanups.push(() => dispatcher.close());
    await dispatcher.start();
    const webhooks: WebhookStore = backend.webhooks;
    return { backend, progress, receiver, dispatcher, webhooks };
  }

  it("signs each delivery, retries the first two failures with backoff, and keeps each run's events in order", async () => {
    const { progress, receiver, dispatcher, webhooks } = await setup();
    const { endpoint, secret } = await webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/hooks` });
    receiver.secret = secret;
    receiver.respond = (request) => (request.nth <= 2 ? { status: 500, body: "not yet" } : 204);
    const retrying: number[] = [];
    dispatcher.on("retrying", (info) => retrying.push(info.attempts));

    const a = await progress.startRun({ owner: "ann", title: "Triage the inbox" });
    const b = await progress.startRun({ owner: "ann", title: "Second run" });
    await progress.startRun({ owner: "bob", title: "Not ann's" });
    for (const percent of [20, 40, 60]) await progress.updateRunProgress(a.id, "ann", { percent });
    await progress.updateRunProgress(b.id, "ann", { percent: 50 });
    await progress.completeRun(a.id, "ann", "succeeded");
    await progress.flush();

    const deliveries = await eventually("every delivery delivered", async () => {
      const counts = await webhooks.countDeliveries("ann");
      return counts.pending === 0 && counts.delivered > 0 && (await webhooks.listDeliveries("ann"));
    });
    expect(deliveries.every((d) => d.status === "delivered" && d.attempts === 3 && d.lastStatusCode === 204)).toBe(
      true,
    );
    expect(new Set(retrying)).toEqual(new Set([1, 2]));
    // Each event: two failures, then accepted; every request verified; nothing of bob's.
    const accepted = receiver.accepted();
    expect(accepted.map((r) => r.id).sort()).toEqual(deliveries.map((d) => d.eventId).sort());
    expect(receiver.requests.filter((r) => r.problem !== null)).toEqual([]);
    expect(receiver.requests).toHaveLength(deliveries.length * 3);
    expect(receiver.requests.every((r) => r.event?.owner === "ann" && r.path === "/hooks")).toBe(true);
    expect(orderViolations(receiver.requests)).toEqual([]);
    // The body is the envelope SSE carries; the run ends succeeded.
    const lastOfA = accepted.filter((r) => r.event?.run?.id === a.id).at(-1)?.event;
    expect(lastOfA).toMatchObject({
      type: "run.progress.updated",
      owner: "ann",
      run: { id: a.id, status: "succeeded" },
    });
    expect(accepted.find((r) => r.event?.type === "run.progress.started")?.event).toMatchObject({
      payload: { runId: expect.any(String), title: expect.any(String) },
    });
    // Backoff: the second retry of an event waited at least twice the first.
    const times = receiver.requests.filter((r) => r.id === accepted[0]?.id).map((r) => r.at);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(45);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(95);
    expect(accepted[0]?.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Headway-Webhooks/1",
      "webhook-id": accepted[0]?.id,
    });
    expect(endpoint.owner).toBe("ann");
  });

  it("reads no feed page while no endpoint is enabled, and an endpoint added later gets what follows it", async () => {
    const { backend, progress, receiver, dispatcher, webhooks } = await setup();
    const readFeed = backend.runs.readFeed.bind(backend.runs);
    let pagesRead = 0;
    backend.runs.readFeed = (after, limit) => {
      pagesRead++;
      return readFeed(after, limit);
    };
    for (let i = 0; i < 20; i++) await progress.startRun({ owner: "ann", title: `before ${i}` });
    await progress.flush();
    await new Promise((resolve) => setTimeout(resolve, 200)); // ten turns of the dispatcher
    await dispatcher.idle();
    expect(pagesRead).toBe(0);

    const { secret } = await webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/hooks` });
    receiver.secret = secret;
    const after = await progress.startRun({ owner: "ann", title: "after the endpoint" });
    await eventually("the run started after the endpoint delivered", () =>
      receiver.accepted().some((r) => r.event?.run?.id === after.id),
    );
    expect(pagesRead).toBeGreaterThan(0);
    // Nothing from before the endpoint existed.
    expect(receiver.accepted().map((r) => r.event?.run?.title)).toEqual(["after the endpoint"]);
  });

  it("delivers only the event types an endpoint asked for", async () => {
    const { progress, receiver, webhooks } = await setup();
    const created = await webhooks.createEndpoint({
      owner: "ann",
      url: receiver.url,
      events: ["run.progress.started", "run.deleted"],
    });
    receiver.secret = created.secret;
    const run = await progress.startRun({ owner: "ann", title: "filtered" });
    await progress.updateRunProgress(run.id, "ann", { percent: 30 });
    // Read from the feed after the deletion, the run's earlier events would carry no run: they are dropped.
    await eventually("the start delivered", () => receiver.accepted().length === 1);
    await progress.deleteRun(run.id, "ann");
    await eventually("two deliveries", () => receiver.accepted().length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.accepted().map((r) => r.event?.type)).toEqual(["run.progress.started", "run.deleted"]);
  });

  it("marks a delivery dead after the last attempt, tells why, and delivers it once replayed", async () => {
    const { progress, receiver, dispatcher, webhooks } = await setup({
      retry: { ...FAST.retry, maxAttempts: 3 },
    });
    const { endpoint, secret } = await webhooks.createEndpoint({ owner: "ann", url: receiver.url });
    receiver.secret = secret;
    receiver.respond = () => ({ status: 503, body: "down for maintenance" });
    const dead: string[] = [];
    dispatcher.on("dead", (info) => dead.push(`${info.attempts} ${info.error}`));
    await progress.startRun({ owner: "ann", title: "doomed" });

    const [letter] = await eventually("a dead letter", async () => {
      const found = await webhooks.listDeliveries("ann", { status: "dead" });
      return found.length > 0 && found;
    });
    expect(letter).toMatchObject({
      attempts: 3,
      lastStatusCode: 503,
      lastError: "HTTP 503: down for maintenance",
      nextAttemptAt: null,
    });
    expect(dead).toEqual(["3 HTTP 503: down for maintenance"]);
    expect(receiver.requests).toHaveLength(3);

    receiver.respond = () => 200;
    expect(await webhooks.replayDead(endpoint.id, "ann", Date.now())).toBe(1);
    dispatcher.wake();
    const delivered = await eventually("the replay delivered", async () => {
      const found = await webhooks.getDelivery(letter?.id ?? "", "ann");
      return found?.status === "delivered" && found;
    });
    expect(delivered).toMatchObject({ attempts: 1, lastStatusCode: 200 });
    expect(receiver.accepted().map((r) => r.id)).toEqual([letter?.eventId]);
  });

  it("reports timeouts, refused connections and redirects as failures, and waits out a Retry-After", async () => {
    const { progress, receiver, webhooks } = await setup({
      timeoutMs: 200,
      retry: { ...FAST.retry, maxAttempts: 2, maxDelayMs: 5000 },
    });
    const slow = await webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/slow` });
    const moved = await webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/moved` });
    const limited = await webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/limited` });
    const refused = await webhooks.createEndpoint({
      owner: "ann",
      url: `http://127.0.0.1:${await closedPort()}/nobody`,
    });
    receiver.secrets = { "/slow": slow.secret, "/moved": moved.secret, "/limited": limited.secret };
    receiver.respond = (request): Answer => {
      if (request.path === "/slow") return { status: 204, delayMs: 1000 };
      if (request.path === "/moved") return { status: 308, headers: { location: "https://elsewhere.example/" } };
      const first = !receiver.requests.some((r) => r.path === "/limited");
      return first ? { status: 429, headers: { "retry-after": "1" } } : 204;
    };
    await progress.startRun({ owner: "ann", title: "one event, four endpoints" });

    const byEndpoint = async (id: string) => (await webhooks.listDeliveries("ann", { endpointId: id }))[0];
    const slowDead = await eventually("the slow one dead", async () => {
      const d = await byEndpoint(slow.endpoint.id);
      return d?.status === "dead" && d;
    });
    expect(slowDead.lastError).toBe("timed out after 200 ms");
    expect(slowDead.lastStatusCode).toBeNull();
    const movedDead = await eventually("the redirect dead", async () => {
      const d = await byEndpoint(moved.endpoint.id);
      return d?.status === "dead" && d;
    });
    expect(movedDead.lastError).toBe("HTTP 308 redirect to https://elsewhere.example/ (redirects are not followed)");
    const refusedDead = await eventually("the refused one dead", async () => {
      const d = await byEndpoint(refused.endpoint.id);
      return d?.status === "dead" && d;
    });
    expect(refusedDead.lastError).toMatch(/^ECONNREFUSED/);
    const limitedDone = await eventually("the rate-limited one delivered", async () => {
      const d = await byEndpoint(limited.endpoint.id);
      return d?.status === "delivered" && d;
    });
    const tries = receiver.requests.filter((r) => r.path === "/limited");
    expect(limitedDone.attempts).toBe(2);
    // 50 ms by the schedule, but the receiver asked for a second.
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("gives an attempt cut short by close() back without counting it, and a new dispatcher sends it", async () => {
    const { backend, progress, receiver, dispatcher, webhooks } = await setup({ shutdownGraceMs: 100 });
    const { secret } = await webhooks.createEndpoint({ owner: "ann", url: receiver.url });
    receiver.secret = secret;
    receiver.respond = (request) => (request.nth === 1 ? { status: 204, delayMs: 5000 } : 204);
    await progress.startRun({ owner: "ann", title: "interrupted" });
    await eventually("the first request", () => receiver.requests.length === 1);
    await dispatcher.close();
    const [held] = await webhooks.listDeliveries("ann");
    expect(held).toMatchObject({ status: "pending", attempts: 0 });

    const next = createWebhookDispatcher({ backend, ...FAST });
    cleanups.push(() => next.close());
    await next.start();
    await eventually("delivered by the next dispatcher", async () => {
      const [d] = await webhooks.listDeliveries("ann");
      return d?.status === "delivered" && d.attempts === 1;
    });
    expect(receiver.requests.map((r) => r.nth)).toEqual([1, 2]);
  });
});
