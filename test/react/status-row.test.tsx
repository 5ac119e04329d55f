// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentRun } from "../../src/client/index.js";
import { StatusRow } from "../../src/react/index.js";

afterEach(() => cleanup());

const START = Date.parse("2025-03-01T10:00:00.000Z");
const at = (ms: number) => new Date(START + ms).toISOString();

function run(patch: Partial<AgentRun> = {}): AgentRun {
  return {
    id: "0195a000-0000-7000-8000-000000000001",
    owner: "ann",
    title: "Triage 128 unread emails",
    step: "Classifying “Invoice #4471 overdue” (46/128)",
    percent: 36,
    status: "running",
    state: null,
    metadata: {},
    parentId: null,
    cancelRequested: false,
    etaMs: 60_000,
    attention: null,
    createdAt: at(0),
    startedAt: at(0),
    updatedAt: at(1000),
    completedAt: null,
    heartbeatAt: at(1000),
    diagnostics: {
      submitToStatusMs: 1000,
      submitToFirstEventMs: 1000,
      submitToFirstTextMs: null,
      firstTextToPaintMs: null,
      lastEventAgeMs: null,
    },
    version: 3,
    ...patch,
  };
}

const row = () => screen.getByRole("status");

describe("<StatusRow />", () => {
  it("shows the state, the percent, and the step as detail, without attention styling", () => {
    render(<StatusRow run={run()} now={START + 2000} />);
    expect(row().getAttribute("aria-label")).toBe("Triage 128 unread emails: Running");
    expect(row().querySelector(".hw-state")?.textContent).toBe("Running");
    expect(row().querySelector(".hw-summary")?.textContent).toBe("36%");
    expect(row().querySelector(".hw-detail")?.textContent).toContain("Invoice #4471");
    expect(row().hasAttribute("data-attention")).toBe(false);
  });

  it("shows elapsed time only past the threshold", () => {
    const { rerender } = render(<StatusRow run={run()} now={START + 2500} />);
    expect(row().querySelector(".hw-elapsed")).toBeNull();
    rerender(<StatusRow run={run()} now={START + 127_000} />);
    expect(row().querySelector(".hw-elapsed")?.textContent).toBe("2m 07s");
    rerender(<StatusRow run={run()} now={START + 127_000} elapsedAfterMs={600_000} />);
    expect(row().querySelector(".hw-elapsed")).toBeNull();
  });

  it("names the active tool, or the place in the queue", () => {
    const { rerender } = render(
      <StatusRow run={run({ state: "tool_running", metadata: { activeTool: "gmail.search" } })} now={START} />,
    );
    expect(row().querySelector(".hw-state")?.textContent).toBe("Running tool");
    expect(row().querySelector(".hw-summary")?.textContent).toBe("gmail.search");
    rerender(<StatusRow run={run({ state: "queued", metadata: { queuePosition: 3, queueSize: 9 } })} now={START} />);
    expect(row().querySelector(".hw-state")?.textContent).toBe("Queued");
    expect(row().querySelector(".hw-summary")?.textContent).toBe("#3 of 9 in queue");
  });

  it("draws attention only for action_required, failed and stale, as the server says", () => {
    const cases: Array<[Partial<AgentRun>, number, string | null, string]> = [
      [{ state: "action_required", attention: "action_required" }, 2000, "action_required", "Needs your input"],
      [{ status: "failed", completedAt: at(5000), attention: "failed" }, 9000, "failed", "Failed"],
      [{ attention: "stale" }, 2000, "stale", "Not responding"],
      // Long silent, but the server's watchdog has not called it stale: calm.
      [{}, 1000 + 600_000, null, "Running"],
      [{ state: "retrying" }, 2000, null, "Retrying"],
      [{ status: "cancelled", completedAt: at(5000) }, 9000, null, "Cancelled"],
      [{ status: "succeeded", percent: 100, completedAt: at(5000) }, 500_000, null, "Done"],
    ];
    for (const [patch, now, attention, label] of cases) {
      cleanup();
      render(<StatusRow run={run(patch)} now={START + now} />);
      expect(row().getAttribute("data-attention"), label).toBe(attention);
      expect(row().querySelector(".hw-state")?.textContent).toBe(label);
    }
  });

  it("works staleness out from the heartbeat only for a run without attention (an older server)", () => {
    const { attention: _served, ...older } = run();
    const { rerender } = render(<StatusRow run={older as AgentRun} now={START + 1000 + 119_000} />);
    expect(row().hasAttribute("data-attention")).toBe(false);
    rerender(<StatusRow run={older as AgentRun} now={START + 1000 + 121_000} />);
    expect(row().getAttribute("data-attention")).toBe("stale");
    rerender(<StatusRow run={older as AgentRun} now={START + 1000 + 31_000} staleAfterMs={30_000} />);
    expect(row().getAttribute("data-attention")).toBe("stale");
    expect(row().querySelector(".hw-status-eta")).toBeNull();
  });

  it("offers Stop or a cancel hint while running, neither once stopping or done", () => {
    const stopped: string[] = [];
    const { rerender } = render(<StatusRow run={run()} now={START} onCancel={(id) => stopped.push(id)} />);
    fireEvent.click(screen.getByRole("button", { name: "Stop Triage 128 unread emails" }));
    expect(stopped).toEqual([run().id]);
    rerender(<StatusRow run={run()} now={START} cancelHint="Esc to stop" />);
    expect(row().querySelector(".hw-hint")?.textContent).toBe("Esc to stop");
    rerender(<StatusRow run={run({ cancelRequested: true })} now={START} cancelHint="Esc to stop" />);
    expect(row().querySelector(".hw-hint")).toBeNull();
    expect(row().querySelector(".hw-state")?.textContent).toBe("Stopping");
    rerender(<StatusRow run={run({ status: "succeeded", completedAt: at(1) })} now={START} onCancel={() => {}} />);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("keeps one layout whatever the detail length: a fixed-height row, detail clamped to two lines", () => {
    const long = "word ".repeat(400);
    const { rerender } = render(<StatusRow run={run({ step: long })} now={START} />);
    const style = document.querySelector("style[data-headway]")?.textContent ?? "";
    expect(style).toMatch(/\.hw-status-row \{[^}]*height: 70px/);
    expect(style).toMatch(/\.hw-detail \{[^}]*-webkit-line-clamp: 2/);
    expect(row().className).toContain("hw-status-row");
    rerender(<StatusRow run={run({ step: null })} now={START} />);
    // Without a step the title fills the detail line, so the row never collapses.
    expect(row().querySelector(".hw-detail")?.textContent).toBe("Triage 128 unread emails");
  });

  it("uses the host's shadcn tokens with fallbacks, for light and dark", () => {
    render(<StatusRow run={run()} now={START} />);
    const style = document.querySelector("style[data-headway]")?.textContent ?? "";
    for (const token of [
      "--popover",
      "--popover-foreground",
      "--primary",
      "--muted",
      "--muted-foreground",
      "--border",
      "--destructive",
    ]) {
      expect(style).toContain(`var(${token},`);
    }
    expect(style).toContain("@media (prefers-color-scheme: dark)");
    expect(style).toContain(':where(.dark, [data-theme="dark"]) .hw-root');
    expect(document.querySelectorAll("style[data-headway]")).toHaveLength(1);
  });
});
