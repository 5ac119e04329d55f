// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient } from "../../src/client/index.js";
import { HeadwayProvider, RunsTray } from "../../src/react/index.js";
import { serveRuns } from "../client/helpers.js";

afterEach(() => cleanup());

const trigger = () => screen.queryByRole("button", { name: /in progress/ });

describe("<RunsTray /> against a real server", () => {
  it("stays hidden with nothing running, then shows a spinner and the count", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const { container } = render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} />);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(container.innerHTML).toBe("");

    await act(() => progress.startRun({ owner: "ann", title: "Triage 128 unread emails" }));
    await waitFor(() => expect(trigger()).not.toBeNull());
    expect(trigger()?.getAttribute("aria-label")).toBe("1 run in progress");
    expect(trigger()?.querySelector(".hw-spinner")).not.toBeNull();
    expect(trigger()?.textContent).toBe("1");

    await act(() => progress.startRun({ owner: "ann", title: "Classify 200 documents" }));
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("2 runs in progress"));
    // Another owner's run never counts.
    await act(() => progress.startRun({ owner: "bob", title: "bob's" }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(trigger()?.textContent).toBe("2");
  });

  it("opens a dropdown with one live bar per run, closes on Escape and gives focus back", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Triage inbox", step: "reading" });
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    render(
      <HeadwayProvider client={client}>
        <RunsTray />
      </HeadwayProvider>,
    );
    await waitFor(() => expect(trigger()).not.toBeNull());
    expect(trigger()?.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(trigger()!);
    expect(trigger()?.getAttribute("aria-expanded")).toBe("true");
    const dialog = screen.getByRole("dialog", { name: "In progress" });
    expect(trigger()?.getAttribute("aria-controls")).toBe(dialog.id);
    expect(document.activeElement).toBe(dialog);

    const bar = screen.getByRole("progressbar", { name: "Triage inbox" });
    expect(bar.hasAttribute("aria-valuenow")).toBe(false); // no percent yet: indeterminate
    await act(() => progress.updateRunProgress(run.id, "ann", { percent: 45, step: "classifying 58/128" }));
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("45"));
    expect(dialog.textContent).toContain("classifying 58/128");
    expect(dialog.textContent).toContain("45%");
    expect(dialog.textContent).toMatch(/\d+s elapsed/);

    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(trigger()?.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(trigger());
  });

  it("cancels a run from its row: the library sees cancelRequested", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Sync calendar" });
    render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} />);
    await waitFor(() => expect(trigger()).not.toBeNull());
    fireEvent.click(trigger()!);
    fireEvent.click(screen.getByRole("button", { name: "Cancel Sync calendar" }));
    // The first click only asks, with focus on the answer.
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Stop Sync calendar" }));
    expect((await progress.getRun(run.id, "ann"))?.cancelRequested).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Stop Sync calendar" }));
    await waitFor(async () => expect((await progress.getRun(run.id, "ann"))?.cancelRequested).toBe(true));
    // The row keeps saying so once the request is done, from the run the server returned,
    // and focus stays on it (aria-disabled keeps it focusable, where disabled would drop it to <body>).
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Stopping Sync calendar" }).getAttribute("aria-disabled")).toBe("true"),
    );
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Stopping Sync calendar" }));
    // When the run ends its row says so (and its buttons go); focus goes to the panel, not to <body>.
    await act(() => progress.startRun({ owner: "ann", title: "Still going" }));
    await waitFor(() => expect(screen.getByRole("dialog").textContent).toContain("Still going"));
    await act(() => progress.completeRun(run.id, "ann", "cancelled"));
    await waitFor(() => expect(screen.queryByRole("button", { name: /^(Cancel|Stopping) Sync calendar/ })).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("dialog"));
    expect(document.querySelector(`[data-run-id="${run.id}"]`)?.textContent).toContain("Cancelled");
  });

  it("closes when clicking outside, and hides when the last run ends (keeping none that ended)", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Only one" });
    const { container } = render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} keepFinishedMs={0} />);
    await waitFor(() => expect(trigger()).not.toBeNull());
    fireEvent.click(trigger()!);
    fireEvent.pointerDown(document.body);
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(trigger()!);
    await act(() => progress.completeRun(run.id, "ann", "succeeded"));
    await waitFor(() => expect(container.innerHTML).toBe(""));
  });

  it("polls instead of streaming when given pollMs", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Polled run" });
    const urls: string[] = [];
    const client = createHeadwayClient({
      baseUrl: server.url,
      token: await tokenFor("ann"),
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    render(<RunsTray client={client} pollMs={50} />);
    await waitFor(() => expect(trigger()).not.toBeNull());
    fireEvent.click(trigger()!);
    await act(() => progress.updateRunProgress(run.id, "ann", { percent: 80 }));
    await waitFor(() => expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("80"));
    expect(urls.some((url) => url.includes("/stream"))).toBe(false);
    expect(urls.filter((url) => url.includes("active=true")).length).toBeGreaterThan(1);
  });

  it("rolls child runs into their parent's bar", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const parent = await progress.startRun({ owner: "ann", title: "Classify 200 documents" });
    await progress.startRun({ owner: "ann", title: "batch 1", parentId: parent.id });
    render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} />);
    await waitFor(() => expect(trigger()).not.toBeNull());
    expect(trigger()?.textContent).toBe("1");
    fireEvent.click(trigger()!);
    expect(screen.getAllByRole("progressbar").map((bar) => bar.getAttribute("aria-label"))).toEqual([
      "Classify 200 documents",
    ]);
  });
});
