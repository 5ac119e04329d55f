/**
 * The WebhookStore's contract, run on every backend so PostgreSQL's is
 * SQLite's, statement for statement: endpoints and their validation, the
 * outbox the cursor feeds (compare-and-set, idempotent), claims with leases
 * and per-run order, outcomes, dead letters and replay, listing and sweeping.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type HeadwayEvent, ValidationError } from "../../src/core/index.js";
import type { Backend, WebhookStore } from "../../src/store/index.js";
import { BACKENDS } from "./backends.js";

const opened: Backend[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((backend) => backend.close()));
});

/** A hand-made event: `run.deleted` carries its run only in the payload, which is all the outbox reads. */
function event(id: string, owner: string, runId: string | null, at = Date.now(), type = "run.deleted"): HeadwayEvent {
  const payload = runId === null ? { title: "a notification" } : { runId };
  return { id, type, owner, at: new Date(at).toISOString(), payload } as HeadwayEvent;
}

const LEASE = { leaseMs: 30_000 };

describe.each(BACKENDS)("webhook store: $name", (backend) => {
  async function open(): Promise<WebhookStore> {
    const opened_ = backend.open();
    opened.push(opened_);
    await opened_.ready;
    return opened_.webhooks;
  }

  it("creates endpoints with a secret shown once, lists and gets them owner-scoped, removes them", async () => {
    const store = await open();
    const a = await store.createEndpoint({ owner: "ann", url: "https://example.com/hooks", description: "prod" });
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(a.endpoint).toMatchObject({
      owner: "ann",
      url: "https://example.com/hooks",
      events: null,
      disabledAt: null,
    });
    expect(a.endpoint.id).toMatch(/^whe_/);
    expect(JSON.stringify(a.endpoint)).not.toContain(a.secret);
    const b = await store.createEndpoint({
      owner: "ann",
      url: "http://127.0.0.1:9/x",
      events: ["run.deleted", "run.progress.started", "run.deleted"],
    });
    // Deduplicated, in the canonical order.
    expect(b.endpoint.events).toEqual(["run.progress.started", "run.deleted"]);
    await store.createEndpoint({ owner: "bob", url: "https://bob.example/h" });

    expect((await store.listEndpoints("ann")).map((e) => e.id)).toEqual([a.endpoint.id, b.endpoint.id]);
    expect(await store.listEndpoints(null)).toHaveLength(3);
    expect(await store.getEndpoint(a.endpoint.id, "ann")).toEqual(a.endpoint);
    expect(await store.getEndpoint(a.endpoint.id, "bob")).toBeNull();
    expect(await store.removeEndpoint(a.endpoint.id, "bob")).toBeNull();
    expect(await store.removeEndpoint(a.endpoint.id, "ann")).toEqual(a.endpoint);
    expect(await store.getEndpoint(a.endpoint.id, null)).toBeNull();
    expect(await store.removeEndpoint(a.endpoint.id, null)).toBeNull();
  });

  it("refuses bad endpoints with an error naming the field and the limit", async () => {
    const store = await open();
    const problem = async (input: Record<string, unknown>) => {
      const error = await store.createEndpoint({ owner: "ann", url: "https://ok.example", ...input } as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      return (error as Error).message;
    };
    expect(await problem({ url: "ftp://example.com/x" })).toBe("url: must use http:// or https:// (got ftp:)");
    expect(await problem({ url: "javascript:alert(1)" })).toMatch(/^url: must use http/);
    expect(await problem({ url: "/relative" })).toMatch(/^url: must be an absolute URL/);
    expect(await problem({ url: "https://user:pw@example.com/" })).toMatch(/^url: must not carry a user name/);
    expect(await problem({ url: `https://example.com/${"a".repeat(2048)}` })).toBe(
      "url: must be at most 2048 characters",
    );
    expect(await problem({ events: ["run.exploded"] })).toMatch(/^events\.0: must be one of run\.progress\.started/);
    expect(await problem({ events: [] })).toMatch(/^events: must list at least one event type/);
    expect(await problem({ description: "x".repeat(201) })).toBe("description: must be at most 200 characters");
    expect(await problem({ colour: "red" })).toMatch(/^colour: is not a known field/);
    expect(await problem({ owner: "" })).toBe("owner: must not be empty");
  });

  it("allows at most 50 endpoints per owner", async () => {
    const store = await open();
    for (let i = 0; i < 50; i++) await store.createEndpoint({ owner: "ann", url: `https://example.com/${i}` });
    await expect(store.createEndpoint({ owner: "ann", url: "https://example.com/51" })).rejects.toThrow(
      "owner: may have at most 50 webhook endpoints",
    );
    await expect(store.createEndpoint({ owner: "bob", url: "https://example.com/1" })).resolves.toBeTruthy();
  });

  it("enqueues a page once: the cursor moves only from where it was read, and deliveries match owner, type and age", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    const all = (await store.createEndpoint({ owner: "ann", url: "https://a.example/all" })).endpoint;
    const started = (
      await store.createEndpoint({ owner: "ann", url: "https://a.example/s", events: ["run.progress.started"] })
    ).endpoint;
    const paused = (await store.createEndpoint({ owner: "ann", url: "https://a.example/p" })).endpoint;
    await store.setEndpointDisabled(paused.id, true, "ann");
    await store.createEndpoint({ owner: "bob", url: "https://b.example/all" });

    expect(await store.readCursor("webhooks")).toBeNull();
    expect(await store.initCursor("webhooks", 3, now)).toBe(3);
    expect(await store.initCursor("webhooks", 9, now)).toBe(3); // a second dispatcher finds it set

    const page = [
      event("4-0", "ann", "r1", now),
      { ...event("4-1", "ann", "r2", now), type: "run.progress.started" } as HeadwayEvent,
      event("5-0", "carol", "r3", now),
      event("5-1", "ann", "r1", now - 60_000), // before the endpoints existed
    ];
    // Another dispatcher read from 2, not 3: nothing is inserted and it learns where the cursor is.
    expect(await store.enqueue("webhooks", 2, 5, page, now)).toEqual({ advanced: false, cursor: 3, inserted: 0 });
    expect(await store.enqueue("webhooks", 3, 5, page, now)).toEqual({ advanced: true, cursor: 5, inserted: 3 });
    expect(await store.readCursor("webhooks")).toBe(5);
    // The same page again (a dispatcher that lost the race re-reading from 3) changes nothing.
    expect(await store.enqueue("webhooks", 3, 5, page, now)).toEqual({ advanced: false, cursor: 5, inserted: 0 });

    const delivered = await store.listDeliveries("ann");
    expect(delivered.map((d) => [d.endpointId, d.eventId]).sort()).toEqual(
      [
        [all.id, "4-0"],
        [all.id, "4-1"],
        [started.id, "4-1"],
      ].sort(),
    );
    expect(delivered[0]).toMatchObject({ status: "pending", attempts: 0, owner: "ann", lastError: null });
    expect(await store.listDeliveries("bob")).toEqual([]);
    // An empty page moves the cursor too.
    expect(await store.enqueue("webhooks", 5, 6, [], now)).toEqual({ advanced: true, cursor: 6, inserted: 0 });
  });

  it("claims due deliveries under a lease, one run at a time per endpoint, and records outcomes only for the lease holder", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    const { endpoint, secret } = await store.createEndpoint({ owner: "ann", url: "https://a.example/h" });
    await store.initCursor("webhooks", 0, now);
    await store.enqueue(
      "webhooks",
      0,
      3,
      [event("1-0", "ann", "r1", now), event("2-0", "ann", "r1", now), event("3-0", "ann", "r2", now)],
      now,
    );

    const first = await store.claimDue({ now, limit: 10, lease: "lease-a", ...LEASE });
    // r1's second event waits for its first; r2's goes at once.
    expect(first.map((d) => d.eventId)).toEqual(["1-0", "3-0"]);
    expect(first[0]).toMatchObject({ endpointId: endpoint.id, secret, url: endpoint.url, attempts: 0 });
    expect(JSON.parse(first[0]?.body ?? "")).toMatchObject({ id: "1-0", owner: "ann", payload: { runId: "r1" } });
    // Leased: another dispatcher gets nothing until the lease runs out.
    expect(await store.claimDue({ now, limit: 10, lease: "lease-b", ...LEASE })).toEqual([]);

    const [one, three] = first as [(typeof first)[0], (typeof first)[0]];
    // An outcome under a lease that is not the holder's is ignored.
    expect(await store.recordAttempts([{ id: one.id, lease: "lease-b", at: now, ok: true, statusCode: 200 }])).toBe(0);
    expect(
      await store.recordAttempts([
        { id: one.id, lease: "lease-a", at: now, ok: false, statusCode: 503, error: "HTTP 503", retryAt: now + 1000 },
        { id: three.id, lease: "lease-a", at: now, ok: true, statusCode: 204 },
      ]),
    ).toBe(2);
    // 1-0 backs off, so 2-0 still waits behind it.
    expect(await store.claimDue({ now: now + 500, limit: 10, lease: "lease-b", ...LEASE })).toEqual([]);
    const retry = await store.claimDue({ now: now + 1000, limit: 10, lease: "lease-b", ...LEASE });
    expect(retry.map((d) => [d.eventId, d.attempts])).toEqual([["1-0", 1]]);
    await store.recordAttempts([{ id: one.id, lease: "lease-b", at: now + 1000, ok: true, statusCode: 200 }]);
    const next = await store.claimDue({ now: now + 1000, limit: 10, lease: "lease-b", ...LEASE });
    expect(next.map((d) => d.eventId)).toEqual(["2-0"]);

    const detail = await store.getDelivery(one.id, "ann");
    expect(detail).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200, lastError: null });
    expect(detail?.deliveredAt).toBe(new Date(now + 1000).toISOString());
    expect(JSON.parse(detail?.body ?? "")).toMatchObject({ id: "1-0" });
    expect(await store.getDelivery(one.id, "bob")).toBeNull();
  });

  it("hands a lease on once it runs out, and takes released deliveries back at once", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    await store.createEndpoint({ owner: "ann", url: "https://a.example/h" });
    await store.initCursor("webhooks", 0, now);
    await store.enqueue("webhooks", 0, 2, [event("1-0", "ann", "r1", now), event("2-0", "ann", null, now)], now);
    const claimed = await store.claimDue({ now, limit: 10, lease: "a", leaseMs: 1000 });
    expect(claimed).toHaveLength(2);
    expect(await store.claimDue({ now: now + 999, limit: 10, lease: "b", leaseMs: 1000 })).toEqual([]);
    const taken = await store.claimDue({ now: now + 1000, limit: 1, lease: "b", leaseMs: 1000 });
    expect(taken.map((d) => d.eventId)).toEqual(["1-0"]);
    // The first holder's late outcome no longer counts.
    expect(
      await store.recordAttempts([{ id: taken[0]?.id ?? "", lease: "a", at: now, ok: true, statusCode: 200 }]),
    ).toBe(0);
    await store.release([taken[0]?.id ?? ""], "b");
    expect(
      (await store.claimDue({ now: now + 1000, limit: 10, lease: "c", leaseMs: 1000 })).map((d) => d.eventId),
    ).toEqual(["1-0", "2-0"]);
  });

  it("marks a delivery dead when no attempt is left, lets later ones of its run go, and replays it", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    const { endpoint } = await store.createEndpoint({ owner: "ann", url: "https://a.example/h" });
    await store.initCursor("webhooks", 0, now);
    await store.enqueue("webhooks", 0, 2, [event("1-0", "ann", "r1", now), event("2-0", "ann", "r1", now)], now);
    const [first] = await store.claimDue({ now, limit: 1, lease: "a", ...LEASE });
    await store.recordAttempts([
      {
        id: first?.id ?? "",
        lease: "a",
        at: now,
        ok: false,
        statusCode: null,
        error: "timed out\nafter 10 s",
        retryAt: null,
      },
    ]);
    const dead = await store.listDeliveries("ann", { status: "dead" });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      eventId: "1-0",
      attempts: 1,
      lastError: "timed out after 10 s",
      nextAttemptAt: null,
    });
    expect(await store.countDeliveries("ann")).toEqual({ pending: 1, delivered: 0, dead: 1 });
    expect(await store.countDeliveries("ann", endpoint.id)).toEqual({ pending: 1, delivered: 0, dead: 1 });
    expect(await store.countDeliveries("bob")).toEqual({ pending: 0, delivered: 0, dead: 0 });
    // A dead delivery no longer holds its run back.
    expect((await store.claimDue({ now, limit: 5, lease: "b", ...LEASE })).map((d) => d.eventId)).toEqual(["2-0"]);

    expect(await store.replayDelivery(first?.id ?? "", "bob", now)).toBeNull();
    const replayed = await store.replayDelivery(first?.id ?? "", "ann", now + 5);
    expect(replayed).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: new Date(now + 5).toISOString() });
    const again = await store.claimDue({ now: now + 5, limit: 5, lease: "c", ...LEASE });
    expect(again.map((d) => d.eventId)).toEqual(["1-0"]);
    await store.recordAttempts([
      { id: again[0]?.id ?? "", lease: "c", at: now, ok: false, statusCode: 410, error: "HTTP 410", retryAt: null },
    ]);
    expect(await store.replayDead(endpoint.id, "bob", now)).toBeNull();
    expect(await store.replayDead(endpoint.id, "ann", now + 10)).toBe(1);
    expect(await store.replayDead(endpoint.id, "ann", now + 10)).toBe(0);
    expect(await store.countDeliveries("ann")).toEqual({ pending: 2, delivered: 0, dead: 0 });
  });

  it("pauses a disabled endpoint (nothing new enqueued, pending ones wait) and resumes it", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    const { endpoint } = await store.createEndpoint({ owner: "ann", url: "https://a.example/h" });
    await store.initCursor("webhooks", 0, now);
    await store.enqueue("webhooks", 0, 1, [event("1-0", "ann", "r1", now)], now);
    const disabled = await store.setEndpointDisabled(endpoint.id, true, "ann", now);
    expect(disabled?.disabledAt).toBe(new Date(now).toISOString());
    expect(await store.setEndpointDisabled(endpoint.id, true, "bob", now)).toBeNull();
    await store.enqueue("webhooks", 1, 2, [event("2-0", "ann", "r2", now)], now);
    expect(await store.claimDue({ now, limit: 5, lease: "a", ...LEASE })).toEqual([]);
    expect((await store.setEndpointDisabled(endpoint.id, false, null))?.disabledAt).toBeNull();
    expect((await store.claimDue({ now, limit: 5, lease: "a", ...LEASE })).map((d) => d.eventId)).toEqual(["1-0"]);
  });

  it("lists deliveries newest first in pages, filtered by endpoint and status; removing an endpoint removes its deliveries", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    const a = (await store.createEndpoint({ owner: "ann", url: "https://a.example/1" })).endpoint;
    const b = (await store.createEndpoint({ owner: "ann", url: "https://a.example/2" })).endpoint;
    await store.initCursor("webhooks", 0, now);
    const events = Array.from({ length: 5 }, (_, i) => event(`${i + 1}-0`, "ann", `r${i}`, now));
    await store.enqueue("webhooks", 0, 5, events, now);
    const first = await store.listDeliveries("ann", { endpointId: a.id, limit: 2 });
    expect(first.map((d) => d.eventId)).toEqual(["5-0", "4-0"]);
    const second = await store.listDeliveries("ann", { endpointId: a.id, limit: 2, cursor: first[1]?.id });
    expect(second.map((d) => d.eventId)).toEqual(["3-0", "2-0"]);
    expect(await store.listDeliveries("ann", { status: "dead" })).toEqual([]);
    expect(await store.listDeliveries("ann")).toHaveLength(10);
    await expect(store.listDeliveries("ann", { status: "lost" as never })).rejects.toThrow(
      "status: must be one of pending, delivered, dead",
    );
    await expect(store.listDeliveries("ann", { limit: 501 })).rejects.toThrow("limit: must be at most 500");

    await store.removeEndpoint(b.id, "ann");
    expect(await store.listDeliveries("ann")).toHaveLength(5);
    expect(await store.countDeliveries(null, b.id)).toEqual({ pending: 0, delivered: 0, dead: 0 });
  });

  it("sweeps finished deliveries past their retention, delivered and dead each by its own cut-off", async () => {
    const store = await open();
    const now = Date.now() + 1000; // after the endpoints are created
    await store.createEndpoint({ owner: "ann", url: "https://a.example/1" });
    await store.initCursor("webhooks", 0, now);
    await store.enqueue(
      "webhooks",
      0,
      3,
      [event("1-0", "ann", "r1", now), event("2-0", "ann", "r2", now), event("3-0", "ann", "r3", now)],
      now,
    );
    const [one, two] = await store.claimDue({ now, limit: 2, lease: "a", ...LEASE });
    await store.recordAttempts([
      { id: one?.id ?? "", lease: "a", at: now, ok: true, statusCode: 200 },
      { id: two?.id ?? "", lease: "a", at: now, ok: false, statusCode: 500, error: "HTTP 500", retryAt: null },
    ]);
    expect(await store.sweepDeliveries(now, now)).toBe(0);
    expect(await store.sweepDeliveries(now + 1, now)).toBe(1);
    expect(await store.countDeliveries("ann")).toEqual({ pending: 1, delivered: 0, dead: 1 });
    expect(await store.sweepDeliveries(now + 1, now + 1)).toBe(1);
    expect(await store.countDeliveries("ann")).toEqual({ pending: 1, delivered: 0, dead: 0 });
  });
});
