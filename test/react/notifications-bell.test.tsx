// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient } from "../../src/client/index.js";
import { HeadwayProvider, NotificationsBell, notificationCenter, RunsTray } from "../../src/react/index.js";
import { serveNotificationsContract, serveWithoutNotifications, serveWithRules } from "../client/notifications-fake.js";

afterEach(() => cleanup());

const bell = () => screen.queryByRole("button", { name: /^Notifications, / });

async function renderBell(props: Parameters<typeof NotificationsBell>[0] = {}) {
  const fake = await serveNotificationsContract();
  const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
  const view = render(
    <HeadwayProvider client={client}>
      <button type="button">Before</button>
      <NotificationsBell {...props} />
    </HeadwayProvider>,
  );
  return { fake, client, ...view };
}

describe("<NotificationsBell /> against the notifications contract", () => {
  it("says the count in its name, and shows an empty state that says what will come", async () => {
    await renderBell();
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, none unread"));
    expect(bell()?.querySelector(".hw-badge")).toBeNull();
    expect(bell()?.getAttribute("aria-haspopup")).toBe("dialog");
    fireEvent.click(bell()!);
    const dialog = screen.getByRole("dialog", { name: "Notifications" });
    expect(bell()?.getAttribute("aria-expanded")).toBe("true");
    expect(bell()?.getAttribute("aria-controls")).toBe(dialog.id);
    expect(document.activeElement).toBe(dialog);
    await waitFor(() => expect(dialog.textContent).toContain("No notifications yet"));
    expect(dialog.textContent).toContain("fails, is abandoned or needs you");
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(bell());
  });

  it("lists severity, title, body, time and a link to the run; the count goes up live", async () => {
    const fake = await serveNotificationsContract();
    fake.notify({
      title: "Failed: Sync 3 calendars",
      body: "Calendar API returned 503 after 3 retries",
      severity: "critical",
      runId: "run-1",
      source: "rule:run-failed",
      createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    });
    fake.notify({ title: "Weekly digest is ready", readAt: new Date().toISOString() });
    const opened: string[] = [];
    render(
      <NotificationsBell
        baseUrl={fake.url}
        token={fake.token}
        runHref={(run) => `/runs/${run.id}`}
        onOpenRun={(id, event) => {
          event.preventDefault();
          opened.push(id);
        }}
      />,
    );
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread"));
    const badge = bell()?.querySelector(".hw-badge");
    expect(badge?.textContent).toBe("1");
    expect(badge?.getAttribute("data-tone")).toBe("critical");

    fireEvent.click(bell()!);
    const dialog = screen.getByRole("dialog", { name: "Notifications" });
    const items = within(dialog).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    // Newest first: the digest came after the failure.
    const [digest, failed] = items as [HTMLElement, HTMLElement];
    expect(failed.dataset.severity).toBe("critical");
    expect(failed.hasAttribute("data-unread")).toBe(true);
    expect(failed.textContent).toContain("Unread, Critical: Failed: Sync 3 calendars");
    expect(failed.textContent).toContain("Calendar API returned 503 after 3 retries");
    expect(failed.querySelector("time")?.textContent).toBe("5m ago");
    expect(digest.hasAttribute("data-unread")).toBe(false);
    expect(within(digest).queryByRole("button", { name: /Mark read/ })).toBeNull();
    const link = within(failed).getByRole("link", { name: "Failed: Sync 3 calendars" });
    expect(link.getAttribute("href")).toBe("/runs/run-1");

    await act(async () => {
      fake.notify({ title: "Needs you: Approve refunds", severity: "warning" });
    });
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 2 unread"));
    expect(within(dialog).getAllByRole("listitem")[0]?.textContent).toContain("Needs you: Approve refunds");
    expect(bell()?.querySelector(".hw-badge")?.getAttribute("data-tone")).toBe("critical");

    // Following the link marks it read, closes the list and hands the click to the host.
    fireEvent.click(link);
    expect(opened).toEqual(["run-1"]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(bell());
    await waitFor(() => expect(fake.notifications[0]?.readAt).not.toBeNull());
    expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread");
  });

  it("marks one read (focus moves to the next) and all read (focus stays in the list), on the server too", async () => {
    const fake = await serveNotificationsContract();
    fake.notify({ title: "One" });
    fake.notify({ title: "Two" });
    fake.notify({ title: "Three" });
    const client = createHeadwayClient({ baseUrl: fake.url, token: fake.token });
    render(<NotificationsBell client={client} />);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 3 unread"));
    fireEvent.click(bell()!);
    const first = screen.getByRole("button", { name: "Mark read: Three" });
    first.focus();
    fireEvent.click(first);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 2 unread"));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Mark read: Two" }));
    await waitFor(() => expect(fake.notifications.find((n) => n.title === "Three")?.readAt).not.toBeNull());

    fireEvent.click(screen.getByRole("button", { name: "Mark all read" }));
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, none unread"));
    expect(document.activeElement).toBe(screen.getByRole("dialog"));
    await waitFor(() => expect(fake.notifications.every((n) => n.readAt)).toBe(true));
    expect(screen.queryByRole("button", { name: /Mark read/ })).toBeNull();
    expect(screen.getByRole("dialog").textContent).toContain("All read");
  });

  it("keeps a mark when a list read before it arrives after it", async () => {
    const fake = await serveNotificationsContract();
    fake.notify({ title: "One" });
    let hold: Promise<void> | null = null;
    let release = () => {};
    const client = createHeadwayClient({
      baseUrl: fake.url,
      token: fake.token,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const held = hold;
        if (held && (init?.method ?? "GET") === "GET" && String(input).includes("/notifications")) {
          hold = null;
          await held; // read before the mark, answered after it
        }
        return response;
      },
    });
    render(<NotificationsBell client={client} />);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread"));
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stale = notificationCenter(client).refresh();
    await waitFor(() => expect(hold).toBeNull());
    fireEvent.click(bell()!);
    fireEvent.click(screen.getByRole("button", { name: "Mark read: One" }));
    await waitFor(() => expect(fake.notifications[0]?.readAt).not.toBeNull());
    await act(async () => {
      release();
      await stale;
    });
    expect(bell()?.getAttribute("aria-label")).toBe("Notifications, none unread");
  });

  it("loads older notifications a page at a time", async () => {
    const fake = await serveNotificationsContract();
    for (let i = 1; i <= 55; i++) fake.notify({ title: `Notice ${i}` });
    render(<NotificationsBell baseUrl={fake.url} token={fake.token} />);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 55 unread"));
    expect(bell()?.querySelector(".hw-badge")?.textContent).toBe("55");
    fireEvent.click(bell()!);
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getAllByRole("listitem")).toHaveLength(50);
    fireEvent.click(within(dialog).getByRole("button", { name: "Load older" }));
    await waitFor(() => expect(within(dialog).getAllByRole("listitem")).toHaveLength(55));
    expect(within(dialog).queryByRole("button", { name: "Load older" })).toBeNull();
  });

  it("puts a failed mark back and says why", async () => {
    const fake = await serveNotificationsContract();
    fake.notify({ title: "One" });
    const client = createHeadwayClient({
      baseUrl: fake.url,
      token: fake.token,
      fetch: (input, init) =>
        init?.method === "POST"
          ? Promise.resolve(Response.json({ error: { code: "unavailable", message: "try later" } }, { status: 503 }))
          : fetch(input, init),
    });
    render(<NotificationsBell client={client} />);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread"));
    fireEvent.click(bell()!);
    fireEvent.click(screen.getByRole("button", { name: "Mark read: One" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("try later"));
    expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread");
  });

  it("shows nothing against a server without notifications, next to a tray that works", async () => {
    const { progress, url, tokenFor } = await serveWithoutNotifications();
    await progress.startRun({ owner: "ann", title: "Triage inbox" });
    const client = createHeadwayClient({ baseUrl: url, token: await tokenFor("ann") });
    const { container } = render(
      <HeadwayProvider client={client}>
        <RunsTray />
        <NotificationsBell />
      </HeadwayProvider>,
    );
    await waitFor(() => expect(screen.queryByRole("button", { name: "1 run in progress" })).not.toBeNull());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bell()).toBeNull();
    expect(container.querySelectorAll(".hw-bell")).toHaveLength(0);
  });

  it("shares one connection between every part using the same client", async () => {
    const fake = await serveNotificationsContract();
    const fetches: string[] = [];
    const client = createHeadwayClient({
      baseUrl: fake.url,
      token: fake.token,
      fetch: (input, init) => {
        fetches.push(String(input));
        return fetch(input, init);
      },
    });
    render(
      <HeadwayProvider client={client}>
        <NotificationsBell />
        <NotificationsBell className="second" />
      </HeadwayProvider>,
    );
    await waitFor(() => expect(fake.streams.size).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.streams.size).toBe(1);
    expect(fetches.filter((url) => url.includes("/stream"))).toHaveLength(1);
  });
});

describe("<NotificationsBell /> against a server running the built-in rules", () => {
  it("counts a failed run's notification live, lists it, and marks it read in the store", async () => {
    const { progress, server, tokenFor } = await serveWithRules();
    const run = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    render(<NotificationsBell baseUrl={server.url} token={await tokenFor("ann")} runHref={(r) => `/runs/${r.id}`} />);
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, none unread"));
    await act(() => progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503" }));
    // The rules read the feed on their own schedule: give them a few seconds on a loaded machine.
    await waitFor(() => expect(bell()?.getAttribute("aria-label")).toBe("Notifications, 1 unread"), { timeout: 5000 });
    fireEvent.click(bell()!);
    const item = within(screen.getByRole("dialog")).getByRole("listitem");
    expect(item.dataset.severity).toBe("critical");
    expect(within(item).getByRole("link", { name: "Failed: Sync 3 calendars" }).getAttribute("href")).toBe(
      `/runs/${run.id}`,
    );
    expect(item.textContent).toContain("Calendar API returned 503");
    fireEvent.click(within(item).getByRole("button", { name: "Mark read: Failed: Sync 3 calendars" }));
    await waitFor(async () => expect((await progress.listNotifications("ann")).unreadCount).toBe(0));
    expect(bell()?.getAttribute("aria-label")).toBe("Notifications, none unread");
  });
});
