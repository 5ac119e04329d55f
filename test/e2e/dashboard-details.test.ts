import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyOnOutcomes } from "../../src/notifications/index.js";
import type { WatchdogOptions } from "../../src/progress/index.js";
import { createHeadwayApp, startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { buildDashboard, launchChromium } from "./browser.js";

const BASE = "/_agent-native/runs";
let browser: Browser;
let dashboard: Awaited<ReturnType<typeof buildDashboard>>;

beforeAll(async () => {
  dashboard = await buildDashboard();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  dashboard?.remove();
});

async function newPage(url: string, options: { reducedMotion?: "reduce" } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  onCleanup(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  return { page, problems, url };
}

async function setup(options: { reducedMotion?: "reduce"; watchdog?: WatchdogOptions } = {}) {
  const { watchdog, ...pageOptions } = options;
  const f = fixture({ watchdog });
  const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: dashboard.dir });
  onCleanup(() => server.close());
  const { page, problems } = await newPage(server.url, pageOptions);
  const token = await f.tokenFor("ann");
  const open = (path = "/") => page.goto(`${server.url}${path}?token=${token}`);
  return { ...f, server, page, open, problems };
}

const row = (page: Page, title: string) => page.locator(".run-row", { hasText: title });
const tray = (page: Page) => page.getByRole("button", { name: /in progress$/ });
const titles = (page: Page) => page.locator(".run-row .run-title").allTextContents();

describe("the dashboard asks the server for counts and searches", () => {
  it("shows the server's counts over all runs and sends the search and status to it", async () => {
    const f = fixture();
    const seen: string[] = [];
    const app = new Hono();
    // The counts route as the server contract has it; the numbers are the server's, not the page's.
    app.get(`${BASE}/counts`, (c) => {
      seen.push(`counts${new URL(c.req.url).search}`);
      return c.json({ total: 412, running: 1, succeeded: 380, failed: 27, cancelled: 4 });
    });
    app.use(BASE, async (c, next) => {
      seen.push(`list${new URL(c.req.url).search}`);
      await next();
    });
    app.route("/", createHeadwayApp({ progress: f.progress, dashboardDir: dashboard.dir }));
    const url = await new Promise<string>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve(`http://127.0.0.1:${info.port}`),
      );
      onCleanup(() => new Promise<void>((done) => server.close(() => done())));
    });
    await f.progress.startRun({ owner: "ann", title: "Triage inbox" });
    const { page, problems } = await newPage(url);
    await page.goto(`${url}/?token=${await f.tokenFor("ann")}`);
    await row(page, "Triage inbox").waitFor();
    await expect.poll(() => page.locator(".stat[data-tone=failed] .stat-value").textContent()).toBe("27");
    expect(await page.getByRole("button", { name: /^Failed/ }).textContent()).toBe("Failed27");
    expect(await page.getByRole("button", { name: /^All/ }).textContent()).toBe("All412");

    await page.getByRole("searchbox", { name: "Search runs by title" }).fill("triage");
    await expect.poll(() => seen.some((s) => s.startsWith("list") && s.includes("q=triage"))).toBe(true);
    await expect.poll(() => seen.includes("counts?q=triage")).toBe(true);
    await page.getByRole("button", { name: /^Failed/ }).click();
    await expect.poll(() => seen.some((s) => s.includes("status=failed") && s.includes("q=triage"))).toBe(true);
    expect(problems).toEqual([]);
  });

  it("falls back to counting the runs it holds when the server has no counts route", async () => {
    const { progress, page, open } = await setup();
    const failed = await progress.startRun({ owner: "ann", title: "Sync calendars" });
    await progress.completeRun(failed.id, "ann", "failed", { step: "503" });
    await open();
    await row(page, "Sync calendars").waitFor();
    await expect.poll(() => page.locator(".stat[data-tone=failed] .stat-value").textContent()).toBe("1");
    await page.getByRole("button", { name: /^Failed/ }).click();
    expect(await titles(page)).toEqual(["Sync calendars"]);
  });
});

describe("paging", () => {
  it("loads older runs a page at a time, also within a status filter", async () => {
    const { progress, page, open } = await setup();
    for (let i = 1; i <= 130; i++) {
      const run = await progress.startRun({ owner: "ann", title: `Job ${i}` });
      await progress.completeRun(run.id, "ann", i % 10 === 0 ? "failed" : "succeeded");
    }
    await open();
    await row(page, "Job 130").waitFor();
    expect(await page.locator(".run-row").count()).toBe(100);
    const first = page.locator(".run-row .run-title", { hasText: /^Job 1$/ });
    expect(await first.count()).toBe(0);
    await expect.poll(() => page.getByRole("button", { name: /^All/ }).textContent()).toBe("All130");
    await page.getByRole("button", { name: "Load older runs" }).click();
    await first.waitFor();
    expect(await page.locator(".run-row").count()).toBe(130);
    // The button went with the last page; focus is on the first run it brought, not dropped to <body>.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Job 30");
    expect(await page.getByRole("button", { name: "Load older runs" }).count()).toBe(0);
    // Every failed run, the oldest included, is one filter away.
    await page.getByRole("button", { name: /^Failed/ }).click();
    await expect.poll(() => titles(page)).toHaveLength(13);
    expect((await titles(page)).at(-1)).toBe("Job 10");
  });
});

describe("counts agree with the rows", () => {
  it("does not count child runs shown inside their parent", async () => {
    const { progress, page, open } = await setup();
    const parent = await progress.startRun({ owner: "ann", title: "Research competitors" });
    await progress.startRun({ owner: "ann", title: "Sub-agent one", parentId: parent.id });
    await progress.startRun({ owner: "ann", title: "Sub-agent two", parentId: parent.id });
    await open();
    await row(page, "Research competitors").waitFor();
    await expect.poll(() => page.locator(".stat[data-tone=running] .stat-value").textContent()).toBe("1");
    expect(await page.getByRole("button", { name: /^All/ }).textContent()).toBe("All1");
    expect(await page.getByRole("button", { name: /^Running/ }).textContent()).toBe("Running1");
    expect(await titles(page)).toEqual(["Research competitors"]);
  });
});

describe("what a user sees and hears", () => {
  it("announces a failure and a run that needs a person through live regions", async () => {
    const { progress, page, open } = await setup();
    // The server's built-in rules, as `headway serve` runs them: the page hears of these as notifications.
    const rules = notifyOnOutcomes(progress, { intervalMs: 50 });
    onCleanup(() => rules.close());
    const sync = await progress.startRun({ owner: "ann", title: "Sync calendars", percent: 20 });
    const refund = await progress.startRun({ owner: "ann", title: "Refund batch" });
    await open();
    await row(page, "Sync calendars").waitFor();
    await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
    const failure = page.getByTestId("headway-alert-urgent");
    const notice = page.getByTestId("headway-alert-polite");
    expect(await failure.getAttribute("aria-live")).toBe("assertive");
    expect(await notice.getAttribute("aria-live")).toBe("polite");
    expect(await failure.textContent()).toBe("");
    await progress.completeRun(sync.id, "ann", "failed", { step: "Calendar API returned 503" });
    await expect.poll(() => failure.textContent()).toBe("Failed: Sync calendars. Calendar API returned 503");
    await progress.updateRunProgress(refund.id, "ann", { state: "action_required", step: "Approve 12 refunds" });
    await expect.poll(() => notice.textContent()).toBe("Needs you: Refund batch. Approve 12 refunds");
    await expect.poll(() => page.title()).toBe("(1) Needs you · Headway");
    await progress.completeRun(refund.id, "ann", "succeeded");
    await expect.poll(() => page.title()).toBe("Headway");
  });

  it("shows a failure as an error on the run's page, colours its chart red and lets the keyboard reach the timeline", async () => {
    const { progress, page, open } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Sync calendars", percent: 20 });
    await progress.updateRunProgress(run.id, "ann", { percent: 40, step: "Google calendar" });
    await progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503 after 3 retries" });
    await open(`/runs/${run.id}`);
    const failureBox = page.locator(".progress-card .failure");
    await failureBox.waitFor();
    expect(await failureBox.textContent()).toBe("Failed:Calendar API returned 503 after 3 retries");
    const red = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--destructive"));
    expect(await failureBox.evaluate((el) => getComputedStyle(el).color)).not.toBe(
      await page
        .locator(".muted")
        .first()
        .evaluate((el) => getComputedStyle(el).color),
    );
    const line = page.locator(".chart .chart-line");
    await line.waitFor();
    expect(await page.locator(".chart").getAttribute("data-tone")).toBe("failed");
    const stroke = await line.evaluate((el) => getComputedStyle(el).stroke);
    const expected = await page.evaluate((color) => {
      const probe = document.createElement("div");
      probe.style.color = color;
      document.body.append(probe);
      const value = getComputedStyle(probe).color;
      probe.remove();
      return value;
    }, red.trim());
    expect(stroke).toBe(expected);
    const timeline = page.getByRole("region", { name: "Timeline" });
    expect(await timeline.getAttribute("tabindex")).toBe("0");
    await timeline.focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-labelledby"))).toBeTruthy();
    expect(await timeline.textContent()).toContain("Calendar API returned 503 after 3 retries");
  });

  it("keeps a long timeline's latest entry in view, in a box the keyboard can scroll", async () => {
    const { progress, page, open } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Index 40 repositories", percent: 1 });
    for (let i = 1; i <= 40; i++) {
      // A change of state is always kept in the history (plain progress is sampled once a second).
      const state = i % 2 ? "tool_running" : "streaming";
      await progress.updateRunProgress(run.id, "ann", { percent: i * 2, step: `Repository ${i} of 40`, state });
    }
    await progress.completeRun(run.id, "ann", "failed", { step: "Repository 40 could not be cloned" });
    await open(`/runs/${run.id}`);
    const box = page.getByRole("region", { name: "Timeline" });
    await expect.poll(() => box.locator(".timeline-item").count()).toBeGreaterThan(30);
    const scroll = () => box.evaluate((el) => ({ top: el.scrollTop, height: el.scrollHeight, shown: el.clientHeight }));
    await expect
      .poll(async () => {
        const s = await scroll();
        return s.height > s.shown && s.top + s.shown >= s.height - 2;
      })
      .toBe(true);
    expect(await box.locator(".timeline-item").last().isVisible()).toBe(true);
    expect(await box.locator(".timeline-item").last().textContent()).toContain("Repository 40 could not be cloned");
    // From the keyboard: focus the box, Home scrolls it to the start.
    await box.focus();
    await page.keyboard.press("Home");
    await expect.poll(async () => (await scroll()).top).toBe(0);
  });

  it("says 'Time left: about 16s', not 'about 16s left'", async () => {
    const { progress, page, open } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Steady work", percent: 10 });
    await open(`/runs/${run.id}`);
    await page.getByRole("heading", { name: "Steady work" }).waitFor();
    for (const percent of [20, 30, 40, 50]) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await progress.updateRunProgress(run.id, "ann", { percent });
    }
    const timeLeft = page.locator(".stat-grid div", { hasText: "Time left" }).locator("dd");
    await expect.poll(() => timeLeft.textContent(), { timeout: 10_000 }).toMatch(/^(about \S+|almost done)$/);
  });

  it("gives no time left for a run the server's watchdog found silent: its estimate would only mislead", async () => {
    const { progress, page, open } = await setup({
      watchdog: { staleAfterMs: 500, abandonAfterMs: 60_000, intervalMs: 100 },
    });
    const run = await progress.startRun({ owner: "ann", title: "Steady, then silent", percent: 10 });
    // Alive (a heartbeat every 150 ms) until the page has shown its countdown; then silent.
    const alive = setInterval(() => void progress.heartbeat(run.id, "ann").catch(() => {}), 150);
    onCleanup(() => clearInterval(alive));
    for (const percent of [20, 30, 40, 50]) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await progress.updateRunProgress(run.id, "ann", { percent });
    }
    await open();
    const left = row(page, "Steady, then silent").locator(".run-row-time .muted");
    await expect.poll(() => left.textContent(), { timeout: 10_000 }).toMatch(/left$|^almost done$/);
    clearInterval(alive);
    // No word for longer than the server's stale threshold: "Not responding", and no countdown in the row,
    // the tray or the page. The server decides (its watchdog), not the browser's clock.
    await expect
      .poll(() => row(page, "Steady, then silent").locator(".badge").textContent(), { timeout: 10_000 })
      .toBe("Not responding");
    expect(await left.textContent()).toBe("\u00a0");
    await tray(page).click();
    expect(await page.getByRole("dialog", { name: "In progress" }).locator(".hw-meta").textContent()).not.toMatch(
      /left|almost done/,
    );
    await page.keyboard.press("Escape");
    await row(page, "Steady, then silent").getByRole("link").click();
    const timeLeft = page.locator(".stat-grid div", { hasText: "Time left" }).locator("dd");
    await expect.poll(() => timeLeft.textContent()).toBe("unknown while it is silent");
  });

  it("has no backticks in the empty state, no red zero, and no red pill or Sign out before sign-in", async () => {
    const { page, open, server } = await setup();
    await open();
    const empty = page.locator(".empty");
    await empty.getByText("No runs yet").waitFor();
    expect(await empty.textContent()).not.toContain("`");
    expect(await empty.locator("code").textContent()).toBe("headway exec");
    const zero = page.locator(".stat[data-tone=failed] .stat-value");
    expect(await zero.textContent()).toBe("0");
    expect(await zero.evaluate((el) => getComputedStyle(el).color)).toBe(
      await page.evaluate(() => getComputedStyle(document.body).color),
    );

    // A browser without a session (the link above left a cookie) and a token the server refuses.
    await page.context().clearCookies();
    await page.goto(`${server.url}/?token=hw_wrong`);
    await page.getByRole("heading", { name: "Connect to Headway" }).waitFor();
    expect(await page.locator(".connection").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    // The skip link is the first thing the keyboard reaches, and it leads to the content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
  });

  it("keeps rows where they are while the pointer is over the list", async () => {
    const { progress, page, open } = await setup();
    const older = await progress.startRun({ owner: "ann", title: "Older running run", percent: 50 });
    const newer = await progress.startRun({ owner: "ann", title: "Newer finished run" });
    await progress.completeRun(newer.id, "ann", "succeeded");
    await open();
    await row(page, "Newer finished run").waitFor();
    expect(await titles(page)).toEqual(["Older running run", "Newer finished run"]);
    await row(page, "Newer finished run").hover();
    await progress.completeRun(older.id, "ann", "succeeded");
    await expect.poll(() => row(page, "Older running run").locator(".badge").textContent()).toBe("Done");
    // Ended, it would now sort after the newer run; under the pointer it stays put.
    expect(await titles(page)).toEqual(["Older running run", "Newer finished run"]);
    await page.mouse.move(5, 5);
    await expect.poll(() => titles(page)).toEqual(["Newer finished run", "Older running run"]);
  });

  it("keeps the indeterminate bar still for people who ask for reduced motion, striped so it never reads as done", async () => {
    const { progress, page, open } = await setup({ reducedMotion: "reduce" });
    await progress.startRun({ owner: "ann", title: "No percent yet" });
    await open();
    const fill = row(page, "No percent yet").locator(".hw-bar-fill");
    await fill.waitFor();
    expect(await fill.evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    expect(await fill.evaluate((el) => getComputedStyle(el, "::after").backgroundImage)).toContain(
      "repeating-linear-gradient",
    );
  });

  it("draws a run that ended without a percent as an empty track, and one waiting for a person as a still striped bar", async () => {
    const { progress, page, open } = await setup();
    const dropped = await progress.startRun({ owner: "ann", title: "Dropped before it began" });
    await progress.completeRun(dropped.id, "ann", "cancelled");
    await progress.startRun({ owner: "ann", title: "Approve refunds", state: "action_required" });
    await open();
    await row(page, "Dropped before it began").waitFor();
    const empty = row(page, "Dropped before it began").locator(".hw-bar-fill");
    expect(await empty.evaluate((el) => el.getBoundingClientRect().width)).toBe(0);
    const waiting = row(page, "Approve refunds").locator(".hw-bar-fill");
    expect(await waiting.evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    expect(await waiting.evaluate((el) => getComputedStyle(el, "::after").backgroundImage)).toContain(
      "repeating-linear-gradient",
    );
  });

  it("labels a row's times, and says 'Starting…' only before any progress", async () => {
    const { progress, page, open } = await setup();
    await progress.startRun({ owner: "ann", title: "Fresh run" });
    await progress.startRun({ owner: "ann", title: "Halfway, no step", percent: 50 });
    await progress.startRun({ owner: "ann", title: "Waiting on a person", state: "action_required" });
    const done = await progress.startRun({ owner: "ann", title: "Finished run", percent: 30 });
    await progress.completeRun(done.id, "ann", "succeeded");
    await open();
    await row(page, "Fresh run").waitFor();
    expect(await row(page, "Fresh run").locator(".run-row-step").textContent()).toBe("Starting…");
    expect(await row(page, "Halfway, no step").locator(".run-row-step").textContent()).toBe("Working…");
    expect(await row(page, "Waiting on a person").locator(".run-row-step").textContent()).toBe("\u00a0");
    // Each half of the time says what it is: "3s elapsed", not a bare "3s" with "elapsed" at the row's other end.
    const time = (title: string) => row(page, title).locator(".run-row-time span").allTextContents();
    expect((await time("Halfway, no step"))[0]).toMatch(/^\d+s elapsed$/);
    expect((await time("Finished run"))[1]).toMatch(/^took \d+s$/);
  });

  it("says in the tray what a run without a percent is doing: waiting for you, not 'Working'", async () => {
    const { progress, page, open } = await setup();
    await progress.startRun({ owner: "ann", title: "Approve the refund batch", state: "action_required" });
    await progress.startRun({ owner: "ann", title: "Look things up", state: "tool_running" });
    await open();
    await page.getByRole("button", { name: "2 runs in progress" }).click();
    const panel = page.getByRole("dialog", { name: "In progress" });
    const item = (title: string) => panel.locator(".hw-item", { hasText: title }).locator(".hw-percent");
    await expect.poll(() => item("Approve the refund batch").textContent()).toBe("Needs your input");
    expect(await item("Look things up").textContent()).toBe("Running tool");
    expect(await item("Approve the refund batch").getAttribute("data-attention")).toBe("action_required");
    // Waiting is not working: that run's bar stands still; the other's keeps moving.
    const fill = (title: string) => panel.locator(".hw-item", { hasText: title }).locator(".hw-bar-fill");
    expect(await fill("Approve the refund batch").evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    expect(await fill("Look things up").evaluate((el) => getComputedStyle(el).animationName)).toBe("hw-slide");
  });

  it("shows when an ended run ended instead of an empty 'Time left', and Delete alone still looks like a button", async () => {
    const { progress, page, open } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Sync calendars", percent: 20 });
    await progress.completeRun(run.id, "ann", "failed", { step: "503" });
    await open(`/runs/${run.id}`);
    await page.getByRole("heading", { name: "Sync calendars" }).waitFor();
    const labels = await page.locator(".stat-grid dt").allTextContents();
    expect(labels).not.toContain("Time left");
    expect(labels).toContain("Ended");
    const del = page.getByRole("button", { name: "Delete", exact: true });
    expect(await del.evaluate((el) => getComputedStyle(el).borderTopWidth)).not.toBe("0px");
  });
});
