import { describe, expect, it } from "vitest";
import { createHeadwayApp } from "../../src/server/index.js";
import { executeManageProgress } from "../../src/tools/index.js";
import { serveRuns } from "../client/helpers.js";
import { fixture, listen } from "./helpers.js";

const BASE = "/_agent-native/runs";
const LIMIT = "must be a finite number of milliseconds from 0 to 604800000 (7 days)";

async function setup() {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false });
  // Read-scope tokens, as the dashboard and the tray hold.
  const ann = await f.tokenFor("ann@example.com", "read");
  const bob = await f.tokenFor("bob@example.com", "read");
  const as = (token: string | null) => (path: string, body?: string) =>
    app.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body,
    });
  return { ...f, app, ann: as(ann), bob: as(bob), anonymous: as(null) };
}

/** One sample line of the Prometheus text, as a number (undefined when absent). */
function sample(text: string, line: string): number | undefined {
  const found = text.split("\n").find((row) => row.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("POST {base}/:id/diagnostics", () => {
  it("records what the page measured, first value wins, and answers with the run as stored", async () => {
    const { progress, ann } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "Answer", state: "submitted" });
    await progress.updateRunProgress(run.id, "ann@example.com", { state: "streaming", step: "Register your app…" });

    const first = await ann(`${BASE}/${run.id}/diagnostics`, JSON.stringify({ firstTextToPaintMs: 23.4 }));
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body.run).toMatchObject({ id: run.id, status: "running", version: 3 });
    expect(body.run.diagnostics).toMatchObject({ firstTextToPaintMs: 23, submitToFirstTextMs: expect.any(Number) });

    const second = await ann(`${BASE}/${run.id}/diagnostics`, JSON.stringify({ firstTextToPaintMs: 400 }));
    expect(second.status).toBe(200);
    expect((await second.json()).run).toMatchObject({ version: 3, diagnostics: { firstTextToPaintMs: 23 } });
    expect((await progress.getRun(run.id, "ann@example.com"))?.diagnostics.firstTextToPaintMs).toBe(23);
  });

  it("answers bad input with a 400 naming the field and the limit, and writes nothing", async () => {
    const { progress, ann } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "Answer" });
    const path = `${BASE}/${run.id}/diagnostics`;
    const cases: Array<[string, string]> = [
      ['{"firstTextToPaintMs": -5}', `firstTextToPaintMs: ${LIMIT}`],
      // JSON's way to write a number too large for a double: it parses as Infinity.
      ['{"submitToFirstTextMs": 1e999}', `submitToFirstTextMs: ${LIMIT}`],
      ['{"firstTextToPaintMs": "fast"}', `firstTextToPaintMs: ${LIMIT}`],
      ['{"firstTextToPaintMs": 700000000}', `firstTextToPaintMs: ${LIMIT}`],
      [
        '{"firstTextToPaintMs": 10, "paint": 3}',
        "paint: is not a known field (known fields: firstTextToPaintMs, submitToFirstTextMs)",
      ],
      ["{}", "diagnostics: must report firstTextToPaintMs or submitToFirstTextMs (or both)"],
      ["[1]", "diagnostics: must be an object"],
      ["paint=12", "body: must be a JSON object"],
      // Longer than the run has existed, with a minute's slack for the client's clock.
      ['{"firstTextToPaintMs": 3600000}', "firstTextToPaintMs: must be at most the run's age plus 60000 ms"],
    ];
    for (const [body, message] of cases) {
      const res = await ann(path, body);
      expect(res.status, body).toBe(400);
      const { error } = await res.json();
      expect(error.code, body).toBe("validation_error");
      expect(error.message, body).toContain(message);
    }
    expect((await progress.getRun(run.id, "ann@example.com"))?.version).toBe(1);
  });

  it("keeps owners apart (another owner's run is a 404 like a missing one), needs a token, and leaves finished runs alone", async () => {
    const { progress, ann, bob, anonymous } = await setup();
    const run = await progress.startRun({ owner: "ann@example.com", title: "Answer" });
    const report = JSON.stringify({ firstTextToPaintMs: 12 });

    const theirs = await bob(`${BASE}/${run.id}/diagnostics`, report);
    const missing = await bob(`${BASE}/01890000-0000-7000-8000-000000000000/diagnostics`, report);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await theirs.json()).error).toEqual({ code: "run_not_found", message: `run ${run.id} not found` });
    expect((await missing.json()).error.code).toBe("run_not_found");
    expect((await anonymous(`${BASE}/${run.id}/diagnostics`, report)).status).toBe(401);
    expect((await progress.getRun(run.id, "ann@example.com"))?.diagnostics.firstTextToPaintMs).toBeNull();

    await progress.completeRun(run.id, "ann@example.com", "succeeded");
    const late = await ann(`${BASE}/${run.id}/diagnostics`, report);
    expect(late.status).toBe(409);
    expect((await late.json()).error).toEqual({
      code: "run_terminal",
      message: `run ${run.id} already succeeded; diagnostics are recorded only while a run is running`,
    });
  });
});

describe("diagnostics on /metrics", () => {
  it("observes each value once, when it is first set, and samples the silence of running runs at each scrape", async () => {
    const { progress, app, ann } = await setup();
    const owner = "ann@example.com";
    const a = await progress.startRun({ owner, title: "a" });
    const b = await progress.startRun({ owner, title: "b" });
    await progress.heartbeat(a.id, owner);
    await progress.updateRunProgress(a.id, owner, { state: "preparing" });
    await progress.updateRunProgress(a.id, owner, { state: "streaming", step: "Hello" });
    await progress.updateRunProgress(b.id, owner, { percent: 10 });
    // Repeats set nothing new and are not observed again.
    await progress.updateRunProgress(a.id, owner, { state: "streaming", step: "Hello there" });
    await progress.heartbeat(b.id, owner);
    await ann(`${BASE}/${a.id}/diagnostics`, JSON.stringify({ firstTextToPaintMs: 20 }));
    await ann(`${BASE}/${a.id}/diagnostics`, JSON.stringify({ firstTextToPaintMs: 30 }));
    await progress.completeRun(b.id, owner, "succeeded");

    const text = await (await app.request("/metrics")).text();
    expect(sample(text, "headway_submit_to_first_event_ms_count")).toBe(2);
    expect(sample(text, "headway_submit_to_status_ms_count")).toBe(2);
    expect(sample(text, "headway_submit_to_first_text_ms_count")).toBe(1);
    expect(sample(text, "headway_first_text_to_paint_ms_count")).toBe(1);
    expect(sample(text, "headway_first_text_to_paint_ms_sum")).toBe(20);
    expect(sample(text, 'headway_first_text_to_paint_ms_bucket{le="16"}')).toBe(0);
    expect(sample(text, 'headway_first_text_to_paint_ms_bucket{le="33"}')).toBe(1);
    expect(text).toContain("# TYPE headway_submit_to_status_ms histogram");
    // One running run (a): one observation per scrape.
    expect(sample(text, "headway_last_event_age_ms_count")).toBe(1);
    expect(sample(text, 'headway_last_event_age_ms_bucket{le="1000"}')).toBe(1);
    const again = await (await app.request("/metrics")).text();
    expect(sample(again, "headway_last_event_age_ms_count")).toBe(2);
    expect(sample(again, "headway_submit_to_first_event_ms_count")).toBe(2);
  });
});

describe("diagnostics everywhere a run goes", () => {
  it("reach SSE clients with the report, and the agent tool's replies", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const token = await tokenFor("ann");
    const run = await progress.startRun({ owner: "ann", title: "Answer" });
    await progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "Hi" });
    const stream = listen(`${server.url}${BASE}/stream`, token);
    await stream.until((events) => events.some((event) => event.type === "snapshot"));
    const res = await fetch(`${server.url}${BASE}/${run.id}/diagnostics`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ firstTextToPaintMs: 17 }),
    });
    expect(res.status).toBe(200);
    const events = await stream.until((seen) => seen.some((event) => event.type === "run.progress.updated"));
    const updated = events.find((event) => event.type === "run.progress.updated")?.data as {
      run: { version: number; diagnostics: Record<string, unknown> };
    };
    expect(updated.run.version).toBe(3);
    expect(updated.run.diagnostics).toMatchObject({ firstTextToPaintMs: 17, submitToFirstTextMs: expect.any(Number) });

    const reply = await executeManageProgress(progress, "ann", { action: "update", runId: run.id, percent: 50 });
    expect(reply.structured.run?.diagnostics).toMatchObject({
      firstTextToPaintMs: 17,
      submitToStatusMs: expect.any(Number),
      lastEventAgeMs: 0,
    });
  });
});
