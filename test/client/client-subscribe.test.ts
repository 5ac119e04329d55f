import { describe, expect, it } from "vitest";
import {
  type AgentRun,
  applyRunUpdate,
  type ConnectionStatus,
  createHeadwayClient,
  type RunUpdate,
} from "../../src/client/index.js";
import { startServer } from "../../src/server/index.js";
import { onCleanup } from "../server/helpers.js";
import { byTitle, serveRuns, serveWithoutStream, waitFor } from "./helpers.js";

/** Subscribes and folds every update into a list, as a UI would. */
function follow(client: ReturnType<typeof createHeadwayClient>, options: Parameters<typeof client.subscribe>[1] = {}) {
  const state = {
    runs: [] as AgentRun[],
    updates: [] as RunUpdate[],
    statuses: [] as ConnectionStatus[],
    errors: [] as Error[],
  };
  const subscription = client.subscribe(
    (update) => {
      state.updates.push(update);
      state.runs = applyRunUpdate(state.runs, update);
    },
    {
      ...options,
      onStatus: (status, error) => {
        state.statuses.push(status);
        if (error) state.errors.push(error);
      },
    },
  );
  onCleanup(() => subscription.close());
  return { state, subscription };
}

describe("client.subscribe over the live stream", () => {
  it("opens with the snapshot, then follows changes, deletions and only the owner's runs", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Triage inbox" });
    await progress.startRun({ owner: "bob", title: "bob's" });
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const { state, subscription } = follow(client);

    await waitFor(() => state.updates[0], "the snapshot");
    expect(state.updates[0]).toEqual({ kind: "snapshot", runs: [expect.objectContaining({ id: run.id })] });
    expect(subscription.status).toBe("live");

    await progress.updateRunProgress(run.id, "ann", { percent: 45, step: "classifying 58/128" });
    await waitFor(() => byTitle(state.runs, "Triage inbox")?.percent === 45, "the update");
    const second = await progress.startRun({ owner: "ann", title: "Draft replies" });
    await waitFor(() => byTitle(state.runs, "Draft replies"), "the new run");
    await progress.deleteRun(second.id, "ann");
    await waitFor(() => !byTitle(state.runs, "Draft replies"), "the deletion");
    expect(state.runs.map((r) => r.title)).toEqual(["Triage inbox"]);
    expect(subscription.lastEventId).toMatch(/^\d+-\d+$/);

    subscription.close();
    expect(subscription.status).toBe("closed");
    expect(state.statuses).toEqual(["live", "closed"]);
  });

  it("narrows to one run and its children with runId", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const parent = await progress.startRun({ owner: "ann", title: "Classify 200 documents" });
    const child = await progress.startRun({ owner: "ann", title: "batch 1", parentId: parent.id });
    await progress.startRun({ owner: "ann", title: "unrelated" });
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const { state } = follow(client, { runId: parent.id });
    await waitFor(() => state.updates[0], "the snapshot");
    expect(state.runs.map((r) => r.title).sort()).toEqual(["Classify 200 documents", "batch 1"]);
    await progress.updateRunProgress(child.id, "ann", { percent: 50 });
    await waitFor(() => byTitle(state.runs, "batch 1")?.percent === 50, "the child's update");
    expect(byTitle(state.runs, "unrelated")).toBeUndefined();
  });

  it("reconnects after the server restarts and resumes with Last-Event-ID, missing nothing", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Long job" });
    const sent: Array<string | null> = [];
    const client = createHeadwayClient({
      baseUrl: server.url,
      token: await tokenFor("ann"),
      // The real fetch, recording what each stream request carried.
      fetch: (input, init) => {
        if (String(input).includes("/stream")) sent.push(new Headers(init?.headers).get("last-event-id"));
        return fetch(input, init);
      },
    });
    const { state, subscription } = follow(client, { pollMs: 60_000 });
    await waitFor(() => state.updates.length >= 1, "the snapshot");
    await progress.updateRunProgress(run.id, "ann", { percent: 10 });
    await waitFor(() => byTitle(state.runs, "Long job")?.percent === 10, "the first update");
    const resumeFrom = subscription.lastEventId;

    await server.close();
    await waitFor(() => subscription.status === "polling", "the client to notice the outage");
    // Changes while no server is up: the client must learn them on resume.
    await progress.updateRunProgress(run.id, "ann", { percent: 70, step: "missed while down" });
    const gone = await progress.startRun({ owner: "ann", title: "short-lived" });
    await progress.deleteRun(gone.id, "ann");
    const again = await startServer({ progress, port: server.port, host: "127.0.0.1", dashboardDir: false });
    onCleanup(() => again.close());

    await waitFor(() => byTitle(state.runs, "Long job")?.step === "missed while down", "the missed update", 15_000);
    expect(subscription.status).toBe("live");
    expect(sent[0]).toBeNull();
    expect(sent.at(-1)).toBe(resumeFrom);
    // Resumed, not re-snapshotted: the only snapshot is the first.
    expect(state.updates.filter((u) => u.kind === "snapshot")).toHaveLength(1);
    expect(byTitle(state.runs, "short-lived")).toBeUndefined();
  });

  it("polls while the stream is unavailable", async () => {
    const { progress, url, tokenFor } = await serveWithoutStream();
    const run = await progress.startRun({ owner: "ann", title: "Behind a buffering proxy" });
    const client = createHeadwayClient({ baseUrl: url, token: await tokenFor("ann") });
    const { state } = follow(client, { pollMs: 50 });
    await waitFor(() => byTitle(state.runs, "Behind a buffering proxy"), "the first poll");
    expect(state.statuses).toContain("polling");
    expect(state.errors[0]?.message).toMatch(/503/);
    await progress.updateRunProgress(run.id, "ann", { percent: 30 });
    await waitFor(() => byTitle(state.runs, "Behind a buffering proxy")?.percent === 30, "a later poll");
    await progress.completeRun(run.id, "ann", "succeeded");
    await waitFor(() => state.runs.length === 0, "the finished run to leave the active list");
  });

  it("only polls with transport: poll, and stops on close", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    await progress.startRun({ owner: "ann", title: "polled" });
    let streamRequests = 0;
    let requests = 0;
    const client = createHeadwayClient({
      baseUrl: server.url,
      token: await tokenFor("ann"),
      fetch: (input, init) => {
        requests++;
        if (String(input).includes("/stream")) streamRequests++;
        return fetch(input, init);
      },
    });
    const { state, subscription } = follow(client, { transport: "poll", pollMs: 30 });
    await waitFor(() => state.updates.length >= 3, "three polls");
    expect(streamRequests).toBe(0);
    expect(state.updates.every((u) => u.kind === "snapshot")).toBe(true);
    subscription.close();
    const after = requests;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(requests).toBeLessThanOrEqual(after + 1);
  });

  it("stops with status error on a bad token instead of retrying forever", async () => {
    const { server } = await serveRuns();
    const client = createHeadwayClient({ baseUrl: server.url, token: "hw_wrong" });
    const { state, subscription } = follow(client);
    await waitFor(() => subscription.status === "error", "the refusal");
    expect(state.errors[0]).toMatchObject({ status: 401 });
    expect(state.updates).toEqual([]);
  });

  it("says when the run to follow does not exist", async () => {
    const { server, tokenFor } = await serveRuns();
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const { state, subscription } = follow(client, { runId: "0190f000-0000-7000-8000-000000000000" });
    await waitFor(() => subscription.status === "error", "the refusal");
    expect(state.errors[0]).toMatchObject({ status: 404, code: "run_not_found" });
  });
});
