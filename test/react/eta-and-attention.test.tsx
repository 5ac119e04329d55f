// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentRun, HeadwayClient, RunUpdate } from "../../src/client/index.js";
import { HEADWAY_CSS, RunsTray, StatusRow } from "../../src/react/index.js";
import { serveRuns } from "../client/helpers.js";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const START = Date.parse("2025-03-01T10:00:00.000Z");
const at = (ms: number) => new Date(START + ms).toISOString();

function run(patch: Partial<AgentRun> = {}): AgentRun {
  return {
    id: "run-1",
    owner: "ann",
    title: "Classify 200 documents",
    step: "Classifying 40/200",
    percent: 20,
    status: "running",
    state: null,
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: 16_000,
    attention: null,
    createdAt: at(0),
    startedAt: at(0),
    updatedAt: at(0),
    completedAt: null,
    heartbeatAt: at(0),
    diagnostics: {
      submitToStatusMs: 0,
      submitToFirstEventMs: 0,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version: 2,
    ...patch,
  };
}

/** A client whose updates the test pushes by hand: no network, so fake timers hold everything. */
function handClient() {
  let deliver: ((update: RunUpdate) => void) | null = null;
  const client = {
    subscribe(handler: (update: RunUpdate) => void, options?: { onStatus?: (s: "live") => void }) {
      deliver = handler;
      options?.onStatus?.("live");
      return { close: () => {} };
    },
    cancel: async () => {
      throw new Error("not in this test");
    },
  } as unknown as HeadwayClient;
  const push = (...runs: AgentRun[]) =>
    act(() => {
      for (const r of runs) {
        deliver?.({
          kind: "event",
          event: {
            id: `${r.version}-0`,
            type: "run.progress.updated",
            owner: r.owner,
            at: r.updatedAt,
            run: r,
            payload: { runId: r.id, percent: r.percent, step: r.step, status: r.status },
          },
        });
      }
    });
  const snapshot = (...runs: AgentRun[]) => act(() => deliver?.({ kind: "snapshot", runs }));
  return { client, push, snapshot };
}

const etaOf = () => screen.getByRole("status").querySelector(".hw-status-eta")?.textContent ?? null;
const tick = (ms: number) => act(() => vi.advanceTimersByTime(ms));

describe("<StatusRow />: time left", () => {
  it("counts down every second between writes, and stops at 'almost done'", () => {
    vi.useFakeTimers({ now: START + 1000 });
    render(<StatusRow run={run({ etaMs: 16_000, updatedAt: at(1000) })} />);
    expect(etaOf()).toBe("about 16s left");
    tick(1000);
    expect(etaOf()).toBe("about 15s left");
    tick(5000);
    expect(etaOf()).toBe("about 10s left");
    tick(6000);
    expect(etaOf()).toBe("almost done");
    tick(10_000);
    expect(etaOf()).toBe("almost done");
  });

  it("keeps counting when a write leaves the percent where it was, instead of starting over", () => {
    vi.useFakeTimers({ now: START + 1000 });
    const first = run({ etaMs: 20_000, updatedAt: at(1000), version: 2 });
    const { rerender } = render(<StatusRow run={first} />);
    tick(8000);
    expect(etaOf()).toBe("about 12s left");
    // A new step at the same percent: the store's estimate is unchanged, and still dates from the last move.
    rerender(<StatusRow run={{ ...first, step: "Reading page 3", updatedAt: at(9000), version: 3 }} />);
    expect(etaOf()).toBe("about 12s left");
    tick(1000);
    expect(etaOf()).toBe("about 11s left");
    // The percent moves: a fresh estimate, counted from this write.
    rerender(<StatusRow run={{ ...first, percent: 60, etaMs: 30_000, updatedAt: at(10_000), version: 4 }} />);
    expect(etaOf()).toBe("about 30s left");
  });

  it("says 'No progress for 2m' once the percent has not moved across the last writes", () => {
    vi.useFakeTimers({ now: START });
    const stuck = (ms: number, version: number) =>
      run({ percent: 40, etaMs: 90_000, updatedAt: at(ms), heartbeatAt: at(ms), step: `step ${version}`, version });
    const { rerender } = render(<StatusRow run={stuck(0, 2)} />);
    expect(etaOf()).toBe("about 1m 30s left");
    tick(40_000);
    rerender(<StatusRow run={stuck(40_000, 3)} />);
    tick(40_000);
    rerender(<StatusRow run={stuck(80_000, 4)} />);
    tick(40_000);
    expect(etaOf()).toBe("No progress for 2m");
    expect(screen.getByRole("status").querySelector(".hw-status-eta")?.getAttribute("data-eta")).toBe("stalled");
    // A stall is news, not an alarm: the row stays calm.
    expect(screen.getByRole("status").hasAttribute("data-attention")).toBe(false);
  });

  it("shows no time left for a stale run, one waiting for a person, a retrying run or a finished one", () => {
    const cases: Array<[Partial<AgentRun>, string]> = [
      [{ attention: "stale" }, "Not responding"],
      [{ state: "action_required", attention: "action_required" }, "Needs your input"],
      [{ state: "retrying" }, "Retrying"],
      [{ status: "succeeded", percent: 100, etaMs: 0, completedAt: at(5000) }, "Done"],
    ];
    for (const [patch, label] of cases) {
      cleanup();
      render(<StatusRow run={run(patch)} now={START + 2000} />);
      expect(screen.getByRole("status").querySelector(".hw-state")?.textContent).toBe(label);
      expect(etaOf(), label).toBeNull();
      expect(screen.getByRole("status").textContent).not.toMatch(/left|almost done|No progress/);
    }
  });
});

describe("<RunsTray />: time left, attention and links", () => {
  const trigger = () => screen.getByRole("button", { name: /in progress/ });

  it("counts a run's time left down in the open dropdown, and shows a stall instead once it stops moving", async () => {
    vi.useFakeTimers({ now: START + 1000 });
    const { client, push, snapshot } = handClient();
    render(<RunsTray client={client} />);
    await snapshot(run({ etaMs: 16_000, updatedAt: at(1000), heartbeatAt: at(1000) }));
    fireEvent.click(trigger());
    const eta = () => screen.getByRole("dialog").querySelector(".hw-eta")?.textContent;
    expect(eta()).toBe("about 16s left");
    await tick(3000);
    expect(eta()).toBe("about 13s left");
    // Writes that change the step only: the count goes on from the percent's last move, then it is a stall.
    await tick(6000);
    await push(run({ etaMs: 16_000, updatedAt: at(10_000), heartbeatAt: at(10_000), step: "a", version: 3 }));
    expect(eta()).toBe("about 7s left");
    await tick(10_000);
    expect(eta()).toBe("almost done");
    await tick(20_000);
    await push(run({ etaMs: 16_000, updatedAt: at(40_000), heartbeatAt: at(40_000), step: "b", version: 4 }));
    await tick(1000);
    expect(eta()).toBe("No progress for 40s");
    expect(screen.getByRole("dialog").querySelector(".hw-item")?.hasAttribute("data-attention")).toBe(false);
  });

  it("paints the count in the attention colour while any active run needs attention, calm otherwise", async () => {
    const { push, snapshot, client } = handClient();
    render(<RunsTray client={client} />);
    await snapshot(run({ id: "a", title: "Calm one" }), run({ id: "b", title: "Another calm one" }));
    const badge = () => trigger().querySelector(".hw-badge");
    expect(badge()?.hasAttribute("data-attention")).toBe(false);
    expect(trigger().getAttribute("aria-describedby")).toBeNull();

    await push(run({ id: "b", title: "Another calm one", attention: "stale", version: 3 }));
    expect(badge()?.getAttribute("data-attention")).toBe("stale");
    expect(trigger().getAttribute("aria-label")).toBe("2 runs in progress");
    const description = document.getElementById(trigger().getAttribute("aria-describedby") ?? "");
    expect(description?.textContent).toBe("1 needs attention");

    // A person needed wins over a silence; both count.
    await push(run({ id: "a", title: "Calm one", state: "action_required", attention: "action_required", version: 3 }));
    expect(badge()?.getAttribute("data-attention")).toBe("action_required");
    expect(document.getElementById(trigger().getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "2 need attention",
    );
    // The colour is the warning token (amber), with its own foreground, in light and dark.
    expect(HEADWAY_CSS).toMatch(
      /\.hw-badge\[data-attention\] \{ background: var\(--hw-warning\); color: var\(--hw-warning-fg\); \}/,
    );
    expect(HEADWAY_CSS).toContain("--hw-warning-fg: var(--warning-foreground, #ffffff)");
    expect(HEADWAY_CSS).toContain("--hw-warning-fg: var(--warning-foreground, #18181b)");

    await push(
      run({ id: "a", title: "Calm one", version: 4 }),
      run({ id: "b", title: "Another calm one", version: 4 }),
    );
    expect(badge()?.hasAttribute("data-attention")).toBe(false);
  });

  it("takes stale from the server's watchdog, not from the browser's clock", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    await progress.startRun({ owner: "ann", title: "Goes quiet", percent: 10 });
    await progress.startRun({ owner: "ann", title: "Keeps going", percent: 10 });
    render(<RunsTray baseUrl={server.url} token={await tokenFor("ann")} />);
    await waitFor(() => expect(trigger().textContent).toBe("2"));
    expect(trigger().querySelector(".hw-badge")?.hasAttribute("data-attention")).toBe(false);
    // One look by the watchdog with a tiny threshold: both runs are silent past it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await act(async () => {
      await progress.checkSilentRuns({ staleAfterMs: 10, abandonAfterMs: 3_600_000 });
    });
    await waitFor(() => expect(trigger().querySelector(".hw-badge")?.getAttribute("data-attention")).toBe("stale"));
    fireEvent.click(trigger());
    const item = (title: string) =>
      [...screen.getByRole("dialog").querySelectorAll(".hw-item")].find((el) => el.textContent?.includes(title));
    await waitFor(() => expect(item("Goes quiet")?.getAttribute("data-attention")).toBe("stale"));
    expect(item("Goes quiet")?.querySelector(".hw-eta")?.textContent).toBe("not responding");
    expect(item("Goes quiet")?.querySelector(".hw-percent")?.getAttribute("data-attention")).toBe("stale");
  });

  it("links each run to its page when given runHref, and hands a plain click to onOpenRun", async () => {
    const { client, snapshot } = handClient();
    const opened: string[] = [];
    render(
      <RunsTray
        client={client}
        runHref={(r) => `/runs/${encodeURIComponent(r.id)}`}
        onOpenRun={(r, event) => {
          event.preventDefault();
          opened.push(r.id);
        }}
      />,
    );
    await snapshot(run({ id: "run/1", title: "Classify 200 documents" }));
    fireEvent.click(trigger());
    const link = screen.getByRole("link", { name: "Classify 200 documents" });
    expect(link.getAttribute("href")).toBe("/runs/run%2F1");
    // A modified click (a new tab) is the browser's: no in-place navigation, the dropdown stays.
    link.addEventListener("click", (event) => event.preventDefault()); // jsdom cannot open a tab
    fireEvent.click(link, { ctrlKey: true });
    expect(opened).toEqual([]);
    expect(screen.queryByRole("dialog")).not.toBeNull();
    fireEvent.click(link);
    expect(opened).toEqual(["run/1"]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(trigger());
  });

  it("shows plain titles without runHref", async () => {
    const { client, snapshot } = handClient();
    render(<RunsTray client={client} />);
    await snapshot(run());
    fireEvent.click(trigger());
    expect(screen.queryByRole("link")).toBeNull();
    expect(screen.getByRole("dialog").querySelector(".hw-title")?.textContent).toBe("Classify 200 documents");
  });
});
