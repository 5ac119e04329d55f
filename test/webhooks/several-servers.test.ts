/**
 * Two servers delivering webhooks from one database (PostgreSQL; and two
 * processes on one SQLite file), while this process writes runs and the
 * receiver fails some first attempts: every delivery is accepted exactly
 * once (no crash, so at-least-once comes out as once), each endpoint gets
 * only its owner's and its types' events, each run's events in order, and
 * both servers did some of the work. The checker names what was lost,
 * repeated or out of order.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { parseEventId } from "../../src/core/index.js";
import { createProgress, type Progress } from "../../src/progress/index.js";
import { freshSchema, POSTGRES_AVAILABLE, postgresUrl } from "../helpers/postgres.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { spawnDeliveringServer } from "./processes.js";
import { type ReceivedRequest, startReceiver } from "./receiver.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TARGETS: Array<[name: string, url: () => string]> = [
  ["sqlite (two processes, one file)", () => tempDatabasePath()],
  ...(POSTGRES_AVAILABLE
    ? [["postgres (two servers, one schema)", () => postgresUrl(freshSchema())] as [string, () => string]]
    : []),
];

const RUNS = 12;
const UPDATES = 5;

const position = (id: string) => {
  const parsed = parseEventId(id);
  return (parsed?.commitSeq ?? 0) * 1e6 + (parsed?.index ?? 0);
};

/** What went wrong, in words: deliveries never accepted, accepted twice, or a run's events out of order. */
function check(expected: ReadonlyArray<{ path: string; eventId: string }>, requests: readonly ReceivedRequest[]) {
  const problems: string[] = [];
  const accepted = new Map<string, number>();
  for (const r of requests) {
    if (r.problem) problems.push(`unverified request ${r.path} ${r.id}: ${r.problem}`);
    if (r.event && r.status < 300) accepted.set(`${r.path} ${r.id}`, (accepted.get(`${r.path} ${r.id}`) ?? 0) + 1);
  }
  const wanted = new Set(expected.map((d) => `${d.path} ${d.eventId}`));
  for (const key of wanted) if (!accepted.has(key)) problems.push(`lost: ${key}`);
  for (const [key, count] of accepted) {
    if (count > 1) problems.push(`accepted ${count} times: ${key}`);
    if (!wanted.has(key)) problems.push(`accepted but never enqueued: ${key}`);
  }
  const last = new Map<string, string>();
  for (const r of requests) {
    const runId = r.event?.run?.id ?? (r.event?.payload as { runId?: string } | undefined)?.runId;
    if (!runId) continue;
    const key = `${r.path} ${runId}`;
    const before = last.get(key);
    if (before && position(r.id) < position(before)) problems.push(`out of order at ${key}: ${r.id} after ${before}`);
    last.set(key, r.id);
  }
  return problems;
}

describe.each(TARGETS)("several servers delivering: %s", (_name, makeUrl) => {
  it("delivers each event to each endpoint exactly once, in order per run, shared between the servers", async () => {
    const url = makeUrl();
    const progress: Progress = createProgress({ databaseUrl: url, sweepIntervalMs: 0 });
    cleanups.push(() => progress.close());
    await progress.backend.ready;
    const { webhooks } = progress.backend;
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const paths = new Map<string, string>();
    for (const [owner, path, events] of [
      ["ann", "/all", null],
      ["ann", "/updates", ["run.progress.updated"]],
      ["bob", "/bob", null],
    ] as const) {
      const created = await webhooks.createEndpoint({ owner, url: `${receiver.url}${path}`, events });
      receiver.secrets[path] = created.secret;
      paths.set(created.endpoint.id, path);
    }
    // About one first attempt in four fails (decided by the event id, so both servers see the same rule).
    receiver.respond = (r) =>
      r.nth === 1 && (createHash("sha256").update(`${r.path}${r.id}`).digest()[0] ?? 0) < 64 ? 500 : 204;

    const options = { concurrency: 4, pollIntervalMs: 20, retry: { baseDelayMs: 50, jitter: 0.2 } };
    const servers = await Promise.all([spawnDeliveringServer(url, options), spawnDeliveringServer(url, options)]);

    await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const owner = i % 3 === 2 ? "bob" : "ann";
        const run = await progress.startRun({ owner, title: `run ${i}` });
        for (let step = 1; step <= UPDATES; step++) {
          await progress.updateRunProgress(run.id, owner, { percent: step * 15, step: `step ${step}` });
        }
        await progress.completeRun(run.id, owner, "succeeded");
      }),
    );
    const end = await progress.store.currentCommitSeq();

    const deadline = Date.now() + 60_000;
    for (;;) {
      const cursor = await webhooks.readCursor("webhooks");
      const counts = await webhooks.countDeliveries(null);
      if (cursor === end && counts.pending === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`not done: cursor ${cursor} of ${end}, ${JSON.stringify(counts)}; ${servers[0]?.stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const deliveries = await webhooks.listDeliveries(null, { limit: 500 });
    expect(deliveries.length).toBeGreaterThan(RUNS * 2);
    expect(deliveries.every((d) => d.status === "delivered")).toBe(true);
    const expected = deliveries.map((d) => ({ path: paths.get(d.endpointId) ?? "?", eventId: d.eventId }));
    expect(check(expected, receiver.requests)).toEqual([]);
    expect(receiver.requests.filter((r) => r.status === 500).length).toBeGreaterThan(0);

    // Owners and types where they belong; every run's final state reached its owner's endpoints.
    const accepted = receiver.accepted();
    expect(accepted.filter((r) => r.path === "/bob").every((r) => r.event?.owner === "bob")).toBe(true);
    expect(accepted.filter((r) => r.path !== "/bob").every((r) => r.event?.owner === "ann")).toBe(true);
    expect(accepted.filter((r) => r.path === "/updates").every((r) => r.event?.type === "run.progress.updated")).toBe(
      true,
    );
    for (const path of ["/all", "/updates", "/bob"]) {
      const finished = accepted.filter((r) => r.path === path && r.event?.run?.status === "succeeded");
      expect(new Set(finished.map((r) => r.event?.run?.id)).size, path).toBe(path === "/bob" ? 4 : 8);
    }
    // Both servers took part; together they reported each delivery once.
    const reported = servers.map((s) => s.lines.filter((line) => line.startsWith("delivered ")).length);
    expect(
      reported.every((n) => n > 0),
      `delivered per server: ${reported}`,
    ).toBe(true);
    expect(reported[0]! + reported[1]!).toBe(deliveries.length);
  }, 120_000);
});
