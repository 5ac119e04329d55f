// @vitest-environment jsdom
import { serve } from "@hono/node-server";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHeadwayClient } from "../../src/client/index.js";
import {
  BROWSER_NOTIFICATIONS_KEY,
  BrowserNotificationsToggle,
  HeadwayProvider,
  Toaster,
  type ToasterProps,
  useTabTitleAlerts,
} from "../../src/react/index.js";
import { createHeadwayApp } from "../../src/server/index.js";
import { serveNotificationsContract, serveWithoutNotifications, serveWithRules } from "../client/notifications-fake.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { setVisibility } from "./visibility.js";

beforeEach(() => setVisibility("visible"));
afterEach(() => {
  cleanup();
  setVisibility("visible");
  document.title = "";
});

const toasts = () => [...document.querySelectorAll<HTMLElement>(".hw-toast")];
const urgent = () => screen.getByTestId("headway-alert-urgent");
const polite = () => screen.getByTestId("headway-alert-polite");
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function TitleAlerts(props: Parameters<typeof useTabTitleAlerts>[0]) {
  useTabTitleAlerts(props);
  return null;
}

/** A real server (runs, stream) whose notifications list answers, empty: the server sends notifications itself. */
async function serveRunsWithNotifications() {
  const f = fixture();
  const app = new Hono();
  app.get("/_agent-native/notifications", (c) => c.json({ notifications: [], unreadCount: 0, nextBefore: null }));
  app.route("/", createHeadwayApp({ progress: f.progress, dashboardDir: false }));
  const url = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  });
  return { ...f, url };
}

describe("<Toaster /> for notifications", () => {
  async function setup(props: Partial<ToasterProps> = {}) {
    const fake = await serveNotificationsContract();
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    render(
      <HeadwayProvider client={client}>
        <button type="button">Somewhere on the page</button>
        <Toaster {...props} />
      </HeadwayProvider>,
    );
    await waitFor(() => expect(fake.streams.size).toBe(1));
    const notify = (input: Parameters<typeof fake.notify>[0]) => act(async () => void fake.notify(input));
    return { fake, notify };
  }

  it("shows a toast per notification; says critical ones at once and the rest politely", async () => {
    const { notify } = await setup();
    expect(document.querySelector(".hw-toaster")?.hasAttribute("hidden")).toBe(true);
    await notify({ title: "Weekly digest is ready", body: "12 runs this week" });
    await waitFor(() => expect(toasts()).toHaveLength(1));
    expect(screen.getByRole("region", { name: "Alerts" })).toBeTruthy();
    expect(toasts()[0]?.textContent).toContain("Weekly digest is ready");
    expect(toasts()[0]?.textContent).toContain("12 runs this week");
    expect(polite().getAttribute("aria-live")).toBe("polite");
    expect(polite().textContent).toBe("Weekly digest is ready. 12 runs this week");
    expect(urgent().textContent).toBe("");

    await notify({ title: "Failed: Sync 3 calendars", severity: "critical", source: "rule:run-failed" });
    await waitFor(() => expect(toasts()).toHaveLength(2));
    expect(urgent().getAttribute("aria-live")).toBe("assertive");
    expect(urgent().textContent).toBe("Failed: Sync 3 calendars");
    expect(toasts()[1]?.dataset.kind).toBe("failed");
  });

  it("lets a toast go after durationMs but keeps a critical one until it is dismissed", async () => {
    const { notify } = await setup({ durationMs: 300 });
    await notify({ title: "Slow export", severity: "warning" });
    await notify({ title: "Database is full", severity: "critical" });
    await waitFor(() => expect(toasts()).toHaveLength(2));
    await pause(600);
    expect(toasts().map((t) => t.textContent)).toEqual(["Database is full"]);
    fireEvent.click(screen.getByRole("button", { name: "Dismiss: Database is full" }));
    expect(toasts()).toHaveLength(0);
  });

  it("does not count down while hovered or while the page is hidden", async () => {
    const { notify } = await setup({ durationMs: 300 });
    await notify({ title: "Slow export" });
    await waitFor(() => expect(toasts()).toHaveLength(1));
    fireEvent.pointerEnter(screen.getByRole("region", { name: "Alerts" }));
    await pause(500);
    expect(toasts()).toHaveLength(1);
    fireEvent.pointerLeave(screen.getByRole("region", { name: "Alerts" }));
    act(() => setVisibility("hidden"));
    await pause(500);
    expect(toasts()).toHaveLength(1);
    act(() => setVisibility("visible"));
    await waitFor(() => expect(toasts()).toHaveLength(0));
  });

  it("dismisses the focused toast with Escape, focus going to the next toast, then back where it was", async () => {
    const { notify } = await setup();
    await notify({ title: "First", severity: "critical" });
    await notify({ title: "Second", severity: "critical" });
    await waitFor(() => expect(toasts()).toHaveLength(2));
    const before = screen.getByRole("button", { name: "Somewhere on the page" });
    before.focus();
    const first = screen.getByRole("button", { name: "Dismiss: First" });
    // Tabbing in from the page: the browser says where focus came from.
    first.dispatchEvent(new FocusEvent("focusin", { bubbles: true, relatedTarget: before }));
    first.focus();
    fireEvent.keyDown(first, { key: "Escape" });
    expect(toasts().map((t) => t.textContent)).toEqual(["Second"]);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Dismiss: Second" }));
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(toasts()).toHaveLength(0);
    expect(document.activeElement).toBe(before);
  });

  it("links a toast about a run to its page; following it marks the notification read", async () => {
    const opened: string[] = [];
    const { fake, notify } = await setup({
      runHref: (run) => `/runs/${run.id}`,
      onOpenRun: (id, event) => {
        event.preventDefault();
        opened.push(id);
      },
    });
    await notify({ title: "Failed: Sync 3 calendars", severity: "critical", runId: "run-7" });
    await waitFor(() => expect(toasts()).toHaveLength(1));
    const link = within(toasts()[0]!).getByRole("link", { name: "View run" });
    expect(link.getAttribute("href")).toBe("/runs/run-7");
    fireEvent.click(link);
    expect(opened).toEqual(["run-7"]);
    expect(toasts()).toHaveLength(0);
    await waitFor(() => expect(fake.notifications[0]?.readAt).not.toBeNull());
  });

  it("keeps at most max toasts, making room from the oldest that would leave anyway, else the oldest", async () => {
    const { notify } = await setup({ max: 2 });
    await notify({ title: "Critical one", severity: "critical" });
    await notify({ title: "Info one" });
    await notify({ title: "Info two" });
    await waitFor(() => expect(toasts().map((t) => t.textContent)).toEqual(["Critical one", "Info two"]));
    // Never more than max, criticals or not: the oldest goes (it is still in the bell).
    await notify({ title: "Critical two", severity: "critical" });
    await notify({ title: "Critical three", severity: "critical" });
    await waitFor(() => expect(toasts().map((t) => t.textContent)).toEqual(["Critical two", "Critical three"]));
  });
});

describe("<Toaster /> for runs, against a server that sends no notifications", () => {
  it("toasts a failure (assertive), a run that needs you (polite), an abandoned run, and not a success in view", async () => {
    const { progress, url, tokenFor } = await serveWithoutNotifications();
    const sync = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
    const refund = await progress.startRun({ owner: "ann", title: "Approve refunds" });
    const report = await progress.startRun({ owner: "ann", title: "Export report" });
    const quiet = await progress.startRun({ owner: "ann", title: "Index repositories" });
    render(<Toaster baseUrl={url} token={await tokenFor("ann")} />);
    await pause(300);
    await act(() => progress.completeRun(sync.id, "ann", "failed", { step: "Calendar API returned 503" }));
    await waitFor(() => expect(urgent().textContent).toBe("Failed: Sync 3 calendars. Calendar API returned 503"));
    await act(() => progress.updateRunProgress(refund.id, "ann", { state: "action_required", step: "12 refunds" }));
    await waitFor(() => expect(polite().textContent).toBe("Needs you: Approve refunds. 12 refunds"));
    await act(() => progress.completeRun(report.id, "ann", "succeeded"));
    await act(() =>
      progress.completeRun(quiet.id, "ann", "failed", { step: "Abandoned after 30 minutes without progress" }),
    );
    await waitFor(() => expect(urgent().textContent).toContain("Abandoned: Index repositories"));
    expect(toasts().map((t) => t.dataset.kind)).toEqual(["failed", "needs_you", "abandoned"]);
    // Another owner's failure never shows.
    const bobs = await progress.startRun({ owner: "bob", title: "bob's" });
    await act(() => progress.completeRun(bobs.id, "bob", "failed"));
    await pause(200);
    expect(toasts()).toHaveLength(3);
  });

  it("toasts a run that finished while the page was hidden, and not one already waiting at load", async () => {
    const { progress, url, tokenFor } = await serveWithoutNotifications();
    await progress.startRun({ owner: "ann", title: "Waiting since before", state: "action_required" });
    const report = await progress.startRun({ owner: "ann", title: "Export report" });
    render(<Toaster baseUrl={url} token={await tokenFor("ann")} />);
    await pause(300);
    expect(toasts()).toHaveLength(0);
    act(() => setVisibility("hidden"));
    await act(() => progress.completeRun(report.id, "ann", "succeeded", { step: "Exported 120 rows" }));
    await waitFor(() => expect(toasts()).toHaveLength(1));
    expect(toasts()[0]?.dataset.kind).toBe("succeeded");
    expect(toasts()[0]?.textContent).toContain("Done: Export report");
  });

  it("leaves failures to the server's notifications when it sends them (no toast twice)", async () => {
    const { progress, url, tokenFor } = await serveRunsWithNotifications();
    const sync = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    render(<Toaster baseUrl={url} token={await tokenFor("ann")} />);
    await pause(300);
    await act(() => progress.completeRun(sync.id, "ann", "failed", { step: "503" }));
    await pause(300);
    expect(toasts()).toHaveLength(0);
  });
});

describe("<Toaster /> against a server running the built-in rules", () => {
  it("toasts a failed run once, from the server's notification, critical and so until dismissed", async () => {
    const { progress, server, tokenFor } = await serveWithRules();
    const sync = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
    const refund = await progress.startRun({ owner: "ann", title: "Approve refunds" });
    render(<Toaster baseUrl={server.url} token={await tokenFor("ann")} durationMs={400} />);
    await pause(300);
    await act(() => progress.completeRun(sync.id, "ann", "failed", { step: "Calendar API returned 503" }));
    // The rules read the feed on their own schedule: give them a few seconds on a loaded machine.
    await waitFor(() => expect(toasts()).toHaveLength(1), { timeout: 5000 });
    const [toast] = toasts();
    expect(toast?.dataset.kind).toBe("failed");
    expect(toast?.dataset.severity).toBe("critical");
    expect(toast?.textContent).toContain("Failed: Sync 3 calendars");
    expect(urgent().textContent).toBe("Failed: Sync 3 calendars. Calendar API returned 503");
    await act(() => progress.updateRunProgress(refund.id, "ann", { state: "action_required", step: "12 refunds" }));
    await waitFor(() => expect(polite().textContent).toBe("Needs you: Approve refunds. 12 refunds"), { timeout: 5000 });
    // The warning leaves on its own; the failure stays until dismissed.
    await pause(800);
    expect(toasts().map((t) => t.dataset.kind)).toEqual(["failed"]);
  });
});

describe("useTabTitleAlerts", () => {
  it("shows '(1) Failed: <title> — Headway' while the page is hidden, counts more, and restores the title when seen", async () => {
    const { progress, url, tokenFor } = await serveWithoutNotifications();
    document.title = "Runs · Headway";
    const sync = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    const other = await progress.startRun({ owner: "ann", title: "Approve refunds" });
    const inView = await progress.startRun({ owner: "ann", title: "Seen in view" });
    render(<TitleAlerts baseUrl={url} token={await tokenFor("ann")} appName="Headway" />);
    await pause(300);
    // In view, a failure is for the toasts: the title stays.
    await act(() => progress.completeRun(inView.id, "ann", "failed"));
    await pause(200);
    expect(document.title).toBe("Runs · Headway");

    act(() => setVisibility("hidden"));
    await act(() => progress.completeRun(sync.id, "ann", "failed", { step: "503" }));
    await waitFor(() => expect(document.title).toBe("(1) Failed: Sync 3 calendars — Headway"));
    await act(() => progress.updateRunProgress(other.id, "ann", { state: "action_required" }));
    await waitFor(() => expect(document.title).toBe("(2) Needs you: Approve refunds — Headway"));
    act(() => setVisibility("visible"));
    expect(document.title).toBe("Runs · Headway");
  });

  it("with `title`, owns the title: the page's own while nothing is unseen", async () => {
    const fake = await serveNotificationsContract();
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    const { rerender } = render(<TitleAlerts client={client} title="(2) Headway" appName="Headway" />);
    await waitFor(() => expect(fake.streams.size).toBe(1));
    expect(document.title).toBe("(2) Headway");
    act(() => setVisibility("hidden"));
    await act(async () => void fake.notify({ title: "Failed: Sync 3 calendars", severity: "critical" }));
    await waitFor(() => expect(document.title).toBe("(1) Failed: Sync 3 calendars — Headway"));
    // The page's own title changing underneath does not show through while an alert is unseen.
    rerender(<TitleAlerts client={client} title="(1) Headway" appName="Headway" />);
    expect(document.title).toBe("(1) Failed: Sync 3 calendars — Headway");
    act(() => setVisibility("visible"));
    expect(document.title).toBe("(1) Headway");
  });
});

describe("browser notifications, opt-in", () => {
  class FakeNotification {
    static permission: NotificationPermission = "default";
    static requestPermission = vi.fn(async () => {
      FakeNotification.permission = FakeNotification.answer;
      return FakeNotification.answer;
    });
    static answer: NotificationPermission = "granted";
    static shown: Array<{ title: string; options?: NotificationOptions }> = [];
    onclick: (() => void) | null = null;
    constructor(
      readonly title: string,
      readonly options?: NotificationOptions,
    ) {
      FakeNotification.shown.push({ title, options });
    }
    close() {}
  }

  beforeEach(() => {
    FakeNotification.permission = "default";
    FakeNotification.answer = "granted";
    FakeNotification.shown = [];
    FakeNotification.requestPermission.mockClear();
    localStorage.clear();
    vi.stubGlobal("Notification", FakeNotification);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("never asks on load; the switch asks on a click, and alerts then reach the system only while the page is hidden", async () => {
    const fake = await serveNotificationsContract();
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    render(
      <HeadwayProvider client={client}>
        <BrowserNotificationsToggle />
        <Toaster />
      </HeadwayProvider>,
    );
    await waitFor(() => expect(fake.streams.size).toBe(1));
    const toggle = screen.getByRole("switch", { name: "Browser notifications" });
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();

    await act(async () => void fake.notify({ title: "Before opting in" }));
    act(() => setVisibility("hidden"));
    await act(async () => void fake.notify({ title: "Still not opted in" }));
    await waitFor(() => expect(toasts()).toHaveLength(2));
    expect(FakeNotification.shown).toEqual([]);
    act(() => setVisibility("visible"));

    await act(async () => void fireEvent.click(toggle));
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(toggle.getAttribute("aria-checked")).toBe("true"));
    expect(localStorage.getItem(BROWSER_NOTIFICATIONS_KEY)).toBe("on");

    await act(async () => void fake.notify({ title: "In view" }));
    await waitFor(() => expect(toasts()).toHaveLength(3));
    expect(FakeNotification.shown).toEqual([]);
    act(() => setVisibility("hidden"));
    const sent = await act(async () =>
      fake.notify({ title: "Failed: Sync 3 calendars", body: "503", severity: "critical" }),
    );
    await waitFor(() => expect(FakeNotification.shown).toHaveLength(1));
    expect(FakeNotification.shown[0]).toEqual({
      title: "Failed: Sync 3 calendars",
      options: { body: "503", tag: sent.id },
    });

    await act(async () => void fireEvent.click(toggle));
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    expect(localStorage.getItem(BROWSER_NOTIFICATIONS_KEY)).toBeNull();
  });

  it("says so when the browser blocks them, and does not ask again", async () => {
    FakeNotification.answer = "denied";
    render(<BrowserNotificationsToggle />);
    const toggle = screen.getByRole("switch", { name: "Browser notifications" });
    await act(async () => void fireEvent.click(toggle));
    await waitFor(() => expect(toggle.getAttribute("aria-disabled")).toBe("true"));
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    expect(document.getElementById(toggle.getAttribute("aria-describedby")!)?.textContent).toMatch(/Blocked/);
    fireEvent.click(toggle);
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
  });

  it("shows no switch in a browser without notifications", () => {
    vi.stubGlobal("Notification", undefined);
    const { container } = render(<BrowserNotificationsToggle />);
    expect(container.innerHTML).toBe("");
  });
});
