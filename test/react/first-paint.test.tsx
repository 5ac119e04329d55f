// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient, type HeadwayClient } from "../../src/client/index.js";
import type { Progress } from "../../src/progress/index.js";
import { HeadwayProvider, RunsTray, StatusRow, useRun } from "../../src/react/index.js";
import { serveRuns } from "../client/helpers.js";

afterEach(() => {
  cleanup();
  setVisibility("visible");
});

/** jsdom pretends to be visible; a page in a background tab is not. */
function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

/** A client for ann on a real server, counting the diagnostics it posts. */
async function annClient() {
  const served = await serveRuns();
  const posts: Array<{ url: string; body: unknown }> = [];
  const client = createHeadwayClient({
    baseUrl: served.server.url,
    token: await served.tokenFor("ann"),
    fetch: (input, init) => {
      if (init?.method === "POST" && String(input).endsWith("/diagnostics")) {
        posts.push({ url: String(input), body: JSON.parse(String(init.body)) });
      }
      return fetch(input, init);
    },
  });
  return { ...served, client, posts };
}

/** A run's status row, live by SSE, the way a host app would write it. */
function LiveRow({ id, reportPaint }: { id: string; reportPaint?: boolean }) {
  const { run } = useRun(id);
  return run ? <StatusRow run={run} reportPaint={reportPaint} /> : null;
}

function live(client: HeadwayClient, node: React.ReactNode) {
  return render(<HeadwayProvider client={client}>{node}</HeadwayProvider>);
}

const label = () => screen.getByRole("status").querySelector(".hw-state")?.textContent;
const paintOf = async (progress: Progress, id: string) =>
  (await progress.getRun(id, "ann"))?.diagnostics.firstTextToPaintMs ?? null;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("first_text_to_paint, reported by headway/react against a real server", () => {
  it("shows a credible state before any text, then reports the first paint of the text once", async () => {
    const { progress, client, posts } = await annClient();
    const run = await progress.startRun({ owner: "ann", title: "How do I set up OAuth?" });
    live(client, <LiveRow id={run.id} />);
    // Nothing heard from the work yet: "Submitted", not "Running" (and never a blank row).
    await waitFor(() => expect(label()).toBe("Submitted"));
    await act(() => progress.updateRunProgress(run.id, "ann", { state: "preparing", step: "Reading your question" }));
    await waitFor(() => expect(label()).toBe("Preparing"));
    await settle();
    expect(posts).toEqual([]);

    await act(() => progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "Register your app…" }));
    await waitFor(() => expect(label()).toBe("Responding"));
    expect(screen.getByRole("status").querySelector(".hw-detail")?.textContent).toBe("Register your app…");
    await waitFor(async () => expect(await paintOf(progress, run.id)).not.toBeNull());
    const paint = (await paintOf(progress, run.id)) as number;
    // From the text reaching the page to the frame showing it: a few frames at most, even on a loaded machine.
    expect(paint).toBeGreaterThanOrEqual(0);
    expect(paint).toBeLessThan(2000);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe(`${client.options.root}/${run.id}/diagnostics`);

    // More text, more paints: still one report per run per page.
    await act(() => progress.updateRunProgress(run.id, "ann", { step: "Register your app, then send people to…" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("send people to"));
    await settle();
    expect(posts).toHaveLength(1);
    const stored = await progress.getRun(run.id, "ann");
    expect(stored?.diagnostics).toMatchObject({ firstTextToPaintMs: paint, submitToFirstTextMs: expect.any(Number) });
  });

  it("reports nothing for text that was there before the row was (a page opened mid-answer)", async () => {
    const { progress, client, posts } = await annClient();
    const run = await progress.startRun({ owner: "ann", title: "Mid-answer", state: "preparing" });
    await progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "Already writing" });
    live(client, <LiveRow id={run.id} />);
    await waitFor(() => expect(label()).toBe("Responding"));
    await act(() => progress.updateRunProgress(run.id, "ann", { step: "Already writing, still" }));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("still"));
    await settle();
    expect(posts).toEqual([]);
    expect(await paintOf(progress, run.id)).toBeNull();
  });

  it("reports nothing while the page is hidden, or when told not to", async () => {
    const { progress, client, posts } = await annClient();
    const hidden = await progress.startRun({ owner: "ann", title: "Behind another tab", state: "submitted" });
    const quiet = await progress.startRun({ owner: "ann", title: "Not reported", state: "submitted" });
    live(
      client,
      <>
        <LiveRow id={hidden.id} />
        <LiveRow id={quiet.id} reportPaint={false} />
      </>,
    );
    await waitFor(() => expect(screen.getAllByRole("status")).toHaveLength(2));
    setVisibility("hidden");
    await act(() => progress.updateRunProgress(hidden.id, "ann", { state: "streaming", step: "Text nobody saw" }));
    await act(() => progress.updateRunProgress(quiet.id, "ann", { state: "streaming", step: "Text, unreported" }));
    await waitFor(() => expect(document.body.textContent).toContain("Text nobody saw"));
    await waitFor(() => expect(document.body.textContent).toContain("Text, unreported"));
    setVisibility("visible");
    await settle();
    expect(posts).toEqual([]);
    expect(await paintOf(progress, hidden.id)).toBeNull();
    expect(await paintOf(progress, quiet.id)).toBeNull();
  });

  it("reports from the tray's row too, once for the page however many rows show the run", async () => {
    const { progress, client, posts } = await annClient();
    const run = await progress.startRun({ owner: "ann", title: "Summarize the thread", state: "submitted" });
    live(
      client,
      <>
        <RunsTray />
        <LiveRow id={run.id} />
      </>,
    );
    const trigger = await waitFor(() => screen.getByRole("button", { name: "1 run in progress" }));
    fireEvent.click(trigger);
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("Submitted"));
    await act(() => progress.updateRunProgress(run.id, "ann", { state: "streaming", step: "The thread agrees on…" }));
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("The thread agrees on…"));
    await waitFor(async () => expect(await paintOf(progress, run.id)).not.toBeNull());
    await settle();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({ firstTextToPaintMs: expect.any(Number) });
  });
});
