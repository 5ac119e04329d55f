import { describe, expect, it } from "vitest";
import { createHeadwayApp } from "../../src/server/index.js";
import { fixture } from "./helpers.js";

const BASE = "/_agent-native/runs";

async function setup() {
  const f = fixture();
  const app = createHeadwayApp({ progress: f.progress, dashboardDir: false });
  const as = async (owner: string) => {
    const token = await f.tokenFor(owner);
    return (path: string) => app.request(path, { headers: { Authorization: `Bearer ${token}` } });
  };
  return { ...f, app, ann: await as("ann"), bob: await as("bob") };
}

const titles = async (response: Response) => {
  expect(response.status).toBe(200);
  return ((await response.json()) as { runs: Array<{ title: string }> }).runs.map((r) => r.title);
};

describe("search and counts over all runs, server-side", () => {
  it("finds a run far beyond the first page by title (case-insensitive) and status, paged newest first", async () => {
    const { progress, ann } = await setup();
    const failed = await progress.startRun({ owner: "ann", title: "Sync Calendar" });
    await progress.completeRun(failed.id, "ann", "failed", { step: "gave up" });
    for (let i = 0; i < 150; i++) await progress.startRun({ owner: "ann", title: `filler ${i}` });
    const done = await progress.startRun({ owner: "ann", title: "sync calendar again" });
    await progress.completeRun(done.id, "ann", "succeeded");
    await progress.startRun({ owner: "bob", title: "Sync calendar (bob's)" });

    expect(await titles(await ann(`${BASE}?status=failed`))).toEqual(["Sync Calendar"]);
    expect(await titles(await ann(`${BASE}?q=CALENDAR`))).toEqual(["sync calendar again", "Sync Calendar"]);
    expect(await titles(await ann(`${BASE}?q=calendar&status=succeeded`))).toEqual(["sync calendar again"]);

    const page1 = await (await ann(`${BASE}?q=calendar&limit=1`)).json();
    expect(page1.runs.map((r: { title: string }) => r.title)).toEqual(["sync calendar again"]);
    const page2 = await (await ann(`${BASE}?q=calendar&limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2).toMatchObject({ runs: [{ title: "Sync Calendar" }], nextCursor: null });

    const counts = await (await ann(`${BASE}/counts`)).json();
    expect(counts).toEqual({ total: 152, running: 150, succeeded: 1, failed: 1, cancelled: 0 });
    const matching = await (await ann(`${BASE}/counts?q=calendar`)).json();
    expect(matching).toEqual({ total: 2, running: 0, succeeded: 1, failed: 1, cancelled: 0 });
  });

  it("takes % and _ in a search literally", async () => {
    const { progress, ann } = await setup();
    await progress.startRun({ owner: "ann", title: "100% done_ish" });
    await progress.startRun({ owner: "ann", title: "100 percent" });
    expect(await titles(await ann(`${BASE}?q=${encodeURIComponent("0%")}`))).toEqual(["100% done_ish"]);
    expect(await titles(await ann(`${BASE}?q=e_i`))).toEqual(["100% done_ish"]);
    expect(await titles(await ann(`${BASE}?q=${encodeURIComponent("_")}`))).toEqual(["100% done_ish"]);
  });

  it("never shows or counts another owner's runs", async () => {
    const { progress, bob } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "ann's secret" });
    await progress.completeRun(run.id, "ann", "failed");
    expect(await titles(await bob(`${BASE}?q=secret`))).toEqual([]);
    expect(await (await bob(`${BASE}/counts?q=secret`)).json()).toEqual({
      total: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    });
  });

  it("names the parameter and the limit on bad input", async () => {
    const { ann } = await setup();
    const cases: Array<[string, string]> = [
      [`${BASE}?q=${"x".repeat(201)}`, "q: must be at most 200 characters"],
      [`${BASE}?status=done`, "status: must be one of running, succeeded, failed, cancelled"],
      [`${BASE}/counts?q=${"x".repeat(201)}`, "q: must be at most 200 characters"],
    ];
    for (const [path, message] of cases) {
      const response = await ann(path);
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toBe(message);
    }
  });

  it("works through the library too, validating q and status", async () => {
    const { progress } = await setup();
    await progress.startRun({ owner: "ann", title: "Triage inbox" });
    expect((await progress.listRuns("ann", { q: "INBOX" })).map((r) => r.title)).toEqual(["Triage inbox"]);
    expect(await progress.store.countRuns("ann", { q: "inbox" })).toMatchObject({ total: 1, running: 1 });
    await expect(progress.listRuns("ann", { status: "done" as never })).rejects.toThrow("status: must be one of");
  });
});
