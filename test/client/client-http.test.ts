import { describe, expect, it } from "vitest";
import { createHeadwayClient, HeadwayClientError } from "../../src/client/index.js";
import { serveRuns } from "./helpers.js";

describe("createHeadwayClient over HTTP, against a real server", () => {
  it("lists, gets, cancels, reads the timeline and deletes the owner's runs", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const older = await progress.startRun({ owner: "ann", title: "Sync calendar" });
    const newer = await progress.startRun({ owner: "ann", title: "Triage inbox", step: "reading" });
    await progress.updateRunProgress(newer.id, "ann", { percent: 40, step: "classifying 51/128" });
    await progress.completeRun(older.id, "ann", "succeeded");

    const all = await client.list();
    expect(all.runs.map((run) => run.title)).toEqual(["Triage inbox", "Sync calendar"]);
    expect(all.nextCursor).toBeNull();
    expect((await client.list({ active: true })).runs.map((run) => run.id)).toEqual([newer.id]);
    const firstPage = await client.list({ limit: 1 });
    expect(firstPage.nextCursor).toBe(newer.id);
    expect((await client.list({ limit: 1, cursor: firstPage.nextCursor! })).runs[0]?.id).toBe(older.id);

    expect(await client.get(newer.id)).toMatchObject({ percent: 40, step: "classifying 51/128", version: 2 });
    const cancelled = await client.cancel(newer.id);
    expect(cancelled.cancelRequested).toBe(true);
    expect((await progress.getRun(newer.id, "ann"))?.cancelRequested).toBe(true);

    const history = await client.history(newer.id);
    // Progress points are sampled over time; the start and the cancel request are always kept.
    expect(history?.[0]).toMatchObject({ type: "started", version: 1, status: "running" });
    expect(history?.at(-1)).toMatchObject({ type: "cancel_requested", percent: 40, step: "classifying 51/128" });

    expect(await client.delete(older.id)).toBe(true);
    expect(await client.delete(older.id)).toBe(false);
    expect(await client.get(older.id)).toBeNull();
    expect(await progress.getRun(older.id, "ann")).toBeNull();
  });

  it("treats another owner's run as missing and leaves it untouched", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const bobs = await progress.startRun({ owner: "bob", title: "bob's" });
    const ann = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    expect(await ann.get(bobs.id)).toBeNull();
    expect(await ann.history(bobs.id)).toBeNull();
    expect(await ann.delete(bobs.id)).toBe(false);
    const error = await ann.cancel(bobs.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeadwayClientError);
    expect(error).toMatchObject({ status: 404, code: "run_not_found" });
    expect(await progress.getRun(bobs.id, "bob")).toMatchObject({ cancelRequested: false });
  });

  it("surfaces the server's refusals with their code and message", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "done" });
    await progress.completeRun(run.id, "ann", "succeeded");
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    await expect(client.cancel(run.id)).rejects.toMatchObject({
      status: 409,
      code: "run_terminal",
      message: expect.stringContaining("already succeeded"),
    });
    await expect(client.list({ limit: 501 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("limit"),
    });
    const anonymous = createHeadwayClient({ baseUrl: server.url });
    await expect(anonymous.list()).rejects.toMatchObject({ status: 401, permanent: true });
    const wrong = createHeadwayClient({ baseUrl: server.url, token: "hw_not_a_token" });
    await expect(wrong.get(run.id)).rejects.toMatchObject({ status: 401 });
  });

  it("honours a custom base path", async () => {
    const { progress, server, tokenFor } = await serveRuns({ basePath: "/api/progress" });
    await progress.startRun({ owner: "ann", title: "elsewhere" });
    const client = createHeadwayClient({
      baseUrl: `${server.url}/`,
      basePath: "api/progress/",
      token: await tokenFor("ann"),
    });
    expect((await client.list()).runs.map((run) => run.title)).toEqual(["elsewhere"]);
  });
});
