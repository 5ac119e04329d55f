// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient } from "../../src/client/index.js";
import { RunsTray } from "../../src/react/index.js";
import { serveRuns } from "../client/helpers.js";

afterEach(() => cleanup());

const tray = () => document.querySelector<HTMLButtonElement>(".hw-trigger");
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("<RunsTray /> keeps a run that ended in view, with its outcome", () => {
  it("shows a failed run with its step and percent for keepFinishedMs, then lets it go", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
    const { container } = render(
      <RunsTray baseUrl={server.url} token={await tokenFor("ann")} keepFinishedMs={{ failed: 700 }} />,
    );
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run in progress"));
    await act(() => progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503" }));
    // No spinner and no count: the outcome, in the destructive colour, and a name that says it.
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run failed"));
    expect(tray()?.dataset.outcome).toBe("failed");
    expect(tray()?.querySelector(".hw-spinner")).toBeNull();
    fireEvent.click(tray()!);
    const row = screen.getByRole("dialog").querySelector(`[data-run-id="${run.id}"]`);
    expect(row?.getAttribute("data-status")).toBe("failed");
    expect(row?.textContent).toContain("Calendar API returned 503");
    expect(row?.textContent).toContain("Failed at 40%");
    expect(screen.getByRole("dialog").textContent).toContain("Nothing running now");
    // Nothing leaves while the dropdown is open over it...
    await pause(900);
    expect(screen.getByRole("dialog").querySelector(`[data-run-id="${run.id}"]`)).not.toBeNull();
    // ...and once it closes, a run past its time goes, and the tray with it.
    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(container.innerHTML).toBe(""));
  });

  it("lets a success go sooner than a failure, and marks the button with a red dot while a failure is kept", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const done = await progress.startRun({ owner: "ann", title: "Export report" });
    const broken = await progress.startRun({ owner: "ann", title: "Sync calendars" });
    await progress.startRun({ owner: "ann", title: "Still going" });
    render(
      <RunsTray
        baseUrl={server.url}
        token={await tokenFor("ann")}
        keepFinishedMs={{ failed: 60_000, succeeded: 300 }}
      />,
    );
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("3 runs in progress"));
    await act(() => progress.completeRun(done.id, "ann", "succeeded"));
    await act(() => progress.completeRun(broken.id, "ann", "failed", { step: "503" }));
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run in progress"));
    // The count is of runs still going; a red dot and the description say one failed.
    expect(tray()?.querySelector(".hw-badge")?.hasAttribute("data-attention")).toBe(false);
    expect(tray()?.querySelector(".hw-failed-dot")).not.toBeNull();
    const description = document.getElementById(tray()!.getAttribute("aria-describedby")!);
    expect(description?.textContent).toBe("1 failed");
    fireEvent.click(tray()!);
    const ids = () =>
      [...screen.getByRole("dialog").querySelectorAll("[data-run-id]")].map((el) => el.getAttribute("data-status"));
    expect(ids()).toEqual([null, "failed", "succeeded"]);
    fireEvent.keyDown(document.body, { key: "Escape" });
    await pause(500);
    fireEvent.click(tray()!);
    expect(ids()).toEqual([null, "failed"]);
  });

  it("dismisses an ended run from its row, and focus stays in the panel", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const broken = await progress.startRun({ owner: "ann", title: "Sync calendars" });
    await progress.startRun({ owner: "ann", title: "Still going" });
    render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} />);
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("2 runs in progress"));
    await act(() => progress.completeRun(broken.id, "ann", "failed"));
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run in progress"));
    fireEvent.click(tray()!);
    const dismiss = screen.getByRole("button", { name: "Dismiss Sync calendars" });
    dismiss.focus();
    fireEvent.click(dismiss);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Dismiss Sync calendars" })).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("dialog"));
    expect(tray()?.querySelector(".hw-failed-dot")).toBeNull();
  });

  it("learns how a run ended when polling missed the moment, and keeps it with that outcome", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Polled sync" });
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    render(<RunsTray client={client} pollMs={60} />);
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run in progress"));
    await act(() => progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503" }));
    await waitFor(() => expect(tray()?.getAttribute("aria-label")).toBe("1 run failed"));
  });
});

describe("<RunsTray /> hands focus on when it goes away", () => {
  it("moves focus from the open dropdown to the next control (the bell beside it) when the last run leaves", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Only one" });
    const token = await tokenFor("ann");
    render(
      <header>
        <a href="/">Home</a>
        <RunsTray baseUrl={server.url} token={token} keepFinishedMs={0} />
        <button type="button">Notifications</button>
      </header>,
    );
    await waitFor(() => expect(tray()).not.toBeNull());
    fireEvent.click(tray()!);
    expect(document.activeElement).toBe(screen.getByRole("dialog"));
    await act(() => progress.completeRun(run.id, "ann", "succeeded"));
    await waitFor(() => expect(tray()).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Notifications" }));
  });

  it("moves focus from the button to the control before it when nothing follows, or where onEmptyFocus says", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const first = await progress.startRun({ owner: "ann", title: "First" });
    const token = await tokenFor("ann");
    const { unmount } = render(
      <header>
        <a href="/">Home</a>
        <RunsTray baseUrl={server.url} token={token} keepFinishedMs={0} />
      </header>,
    );
    await waitFor(() => expect(tray()).not.toBeNull());
    tray()!.focus();
    await act(() => progress.completeRun(first.id, "ann", "cancelled"));
    await waitFor(() => expect(tray()).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("link", { name: "Home" }));
    unmount();

    const second = await progress.startRun({ owner: "ann", title: "Second" });
    render(
      <main>
        <h1 tabIndex={-1}>Runs</h1>
        <RunsTray
          baseUrl={server.url}
          token={token}
          keepFinishedMs={0}
          onEmptyFocus={() => screen.getByRole("heading", { name: "Runs" })}
        />
        <button type="button">Next</button>
      </main>,
    );
    await waitFor(() => expect(tray()).not.toBeNull());
    tray()!.focus();
    await act(() => progress.completeRun(second.id, "ann", "succeeded"));
    await waitFor(() => expect(tray()).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Runs" }));
  });

  it("leaves focus alone when it was elsewhere", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Only one" });
    render(
      <div>
        <input aria-label="Search" />
        <RunsTray baseUrl={server.url} token={await tokenFor("ann")} keepFinishedMs={0} />
        <button type="button">Notifications</button>
      </div>,
    );
    await waitFor(() => expect(tray()).not.toBeNull());
    screen.getByRole("textbox", { name: "Search" }).focus();
    await act(() => progress.completeRun(run.id, "ann", "succeeded"));
    await waitFor(() => expect(tray()).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Search" }));
  });
});
