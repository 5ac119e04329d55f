/**
 * A server delivering webhooks, killed with SIGKILL in the middle of a
 * retry, and a new one that takes over: nothing is lost, and nothing is
 * delivered twice but what was in flight at the kill (at-least-once, with
 * the same webhook-id, so a receiver drops the repeat).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createProgress, type Progress } from "../../src/progress/index.js";
import type { WebhookDelivery } from "../../src/store/index.js";
import { freshSchema, POSTGRES_AVAILABLE, postgresUrl } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { spawnDeliveringServer } from "./processes.js";
import { type Receiver, startReceiver } from "./receiver.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TARGETS: Array<[name: string, url: () => string]> = [
  ["sqlite", () => tempDatabasePath()],
  ...(POSTGRES_AVAILABLE ? [["postgres", () => postgresUrl(freshSchema())] as [string, () => string]] : []),
];

async function eventually<T>(what: string, check: () => Promise<T | false | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(TARGETS)("webhooks across a SIGKILL: %s", (_name, makeUrl) => {
  async function setup() {
    const url = makeUrl();
    const progress: Progress = createProgress({ databaseUrl: url, sweepIntervalMs: 0 });
    cleanups.push(() => progress.close());
    await progress.backend.ready;
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const { secret } = await progress.backend.webhooks.createEndpoint({ owner: "ann", url: `${receiver.url}/hooks` });
    receiver.secret = secret;
    const all = () => progress.backend.webhooks.listDeliveries("ann", { limit: 500 });
    return { url, progress, receiver, all };
  }

  /** Four runs started (four events, one per run, so none waits behind another); resolves once all are enqueued. */
  async function write(progress: Progress, all: () => Promise<WebhookDelivery[]>) {
    for (let i = 1; i <= 4; i++) await progress.startRun({ owner: "ann", title: `Export report ${i}` });
    return eventually("the deliveries enqueued", async () => {
      const found = await all();
      return found.length === 4 && found;
    });
  }

  it("a server killed while deliveries back off: the next server delivers each once", async () => {
    const { url, progress, receiver, all } = await setup();
    // Every event's first attempt fails; the retry is due 6 s later (room for a loaded machine to kill the server first).
    receiver.respond = (request) => (request.nth === 1 ? 503 : 204);
    const options = { retry: { baseDelayMs: 6000, jitter: 0 }, pollIntervalMs: 25 };
    const first = await spawnDeliveringServer(url, options);

    await write(progress, all);
    const backingOff = await eventually("every delivery backing off after one failure", async () => {
      const found = await all();
      return found.every((d) => d.status === "pending" && d.attempts === 1) && found;
    });
    // Killed in the middle of the retry: outcomes stored, next attempts not yet due.
    await first.kill();
    const now = Date.now();
    for (const d of backingOff) expect(Date.parse(d.nextAttemptAt ?? "")).toBeGreaterThan(now);
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(first.lines.filter((line) => line.startsWith("retrying"))).toHaveLength(4);

    const second = await spawnDeliveringServer(url, options);
    const delivered = await eventually("every delivery delivered by the second server", async () => {
      const found = await all();
      return found.every((d) => d.status === "delivered") && found;
    });
    expect(delivered.map((d) => d.attempts)).toEqual([2, 2, 2, 2]);
    expect(second.lines.filter((line) => line.startsWith("delivered"))).toHaveLength(4);
    // Each event: one failure, one success, nothing more; in feed order (one run).
    const accepted = receiver.accepted().map((r) => r.id);
    expect(accepted.sort()).toEqual(delivered.map((d) => d.eventId).sort());
    expect(new Set(accepted).size).toBe(4);
    expect(receiver.requests).toHaveLength(8);
    expect(receiver.requests.every((r) => r.problem === null)).toBe(true);
  }, 60_000);

  it("a server killed mid-attempt: the delivery goes out again once its lease runs out, with the same webhook-id", async () => {
    const { url, progress, receiver, all } = await setup();
    // The first request is answered slowly: the server dies before the answer arrives.
    receiver.respond = (request) =>
      request.nth === 1 && receiver.requests.length === 0 ? { status: 204, delayMs: 1500 } : 204;
    const options = { timeoutMs: 2000, leaseMs: 3000, pollIntervalMs: 25, retry: { baseDelayMs: 100, jitter: 0 } };
    const first = await spawnDeliveringServer(url, options);
    const run = await progress.startRun({ owner: "ann", title: "one event" });
    await eventually("the first request", async () => receiver.requests.length === 1);
    await first.kill();
    const killedAt = Date.now();
    const [held] = await all();
    expect(held).toMatchObject({ status: "pending", attempts: 0 });

    await spawnDeliveringServer(url, options);
    const [done] = await eventually("delivered after the lease ran out", async () => {
      const found = await all();
      return found[0]?.status === "delivered" && found;
    });
    expect(done?.attempts).toBe(1);
    // Twice, by design (at-least-once), with the same webhook-id; not before the lease ran out.
    expect(receiver.requests.map((r) => r.id)).toEqual([held?.eventId, held?.eventId]);
    expect((receiver.requests[1]?.at ?? 0) - killedAt).toBeGreaterThan(1000);
    expect(receiver.requests[1]?.event?.run?.id).toBe(run.id);
  }, 60_000);
});
