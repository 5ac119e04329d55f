// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient, type HeadwayClient } from "../../src/client/index.js";
import { HeadwayProvider, useRun, useRuns } from "../../src/react/index.js";
import { serveRuns } from "../client/helpers.js";

afterEach(() => cleanup());

function RunView({ id }: { id: string }) {
  const { run, children, status, error } = useRun(id);
  return (
    <output>
      {JSON.stringify({
        title: run?.title,
        percent: run?.percent,
        kids: children.map((c) => c.title),
        status,
        error: error?.message,
      })}
    </output>
  );
}

function RunsView() {
  const { runs, status } = useRuns();
  return <output>{JSON.stringify({ titles: runs.map((r) => r.title), status })}</output>;
}

const shown = () => JSON.parse(screen.getByRole("status").textContent ?? "{}");

function withClient(client: HeadwayClient, node: React.ReactNode) {
  return render(<HeadwayProvider client={client}>{node}</HeadwayProvider>);
}

describe("hooks against a real server", () => {
  it("useRuns keeps the owner's active runs, dropping those that end", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const first = await progress.startRun({ owner: "ann", title: "first" });
    withClient(createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") }), <RunsView />);
    await waitFor(() => expect(shown()).toEqual({ titles: ["first"], status: "live" }));
    await act(() => progress.startRun({ owner: "ann", title: "second" }));
    await waitFor(() => expect(shown().titles).toEqual(["second", "first"]));
    await act(() => progress.completeRun(first.id, "ann", "failed"));
    await waitFor(() => expect(shown().titles).toEqual(["second"]));
  });

  it("useRun follows one run and its children, past the run's end", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const parent = await progress.startRun({ owner: "ann", title: "Classify 200 documents" });
    withClient(createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") }), <RunView id={parent.id} />);
    await waitFor(() => expect(shown()).toMatchObject({ title: "Classify 200 documents", kids: [], status: "live" }));
    const child = await act(() => progress.startRun({ owner: "ann", title: "batch 1", parentId: parent.id }));
    await waitFor(() => expect(shown().kids).toEqual(["batch 1"]));
    await act(() => progress.completeRun(child.id, "ann", "succeeded"));
    await act(() => progress.completeRun(parent.id, "ann", "succeeded"));
    await waitFor(() => expect(shown()).toMatchObject({ percent: 100, kids: ["batch 1"] }));
  });

  it("useRun reports a run that is not the owner's as not found", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const bobs = await progress.startRun({ owner: "bob", title: "bob's" });
    withClient(createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") }), <RunView id={bobs.id} />);
    await waitFor(() => expect(shown()).toMatchObject({ status: "error", error: `run ${bobs.id} not found` }));
    expect(shown().title).toBeUndefined();
  });
});
