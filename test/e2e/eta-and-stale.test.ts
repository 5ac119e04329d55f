import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WatchdogOptions } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { ARTIFACTS, buildDashboard, launchChromium } from "./browser.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
/** A watchdog that calls a run stale after half a second of silence, looking ten times a second. */
const SHORT_WATCHDOG: WatchdogOptions = { staleAfterMs: 500, abandonAfterMs: 60_000, intervalMs: 100 };

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

type Scheme = "light" | "dark";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setup(
  options: { scheme?: Scheme; viewport?: { width: number; height: number }; watchdog?: WatchdogOptions } = {},
) {
  const f = fixture({ watchdog: options.watchdog });
  const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: dashboard.dir });
  onCleanup(() => server.close());
  const context = await browser.newContext({
    colorScheme: options.scheme ?? "light",
    viewport: options.viewport ?? { width: 1280, height: 860 },
    reducedMotion: "reduce",
  });
  onCleanup(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const token = await f.tokenFor("ann");
  const open = (path = "/") => page.goto(`${server.url}${path}?token=${token}`);
  return { ...f, server, page, open, problems };
}

/** Keeps runs alive (a heartbeat every 150 ms, well inside the short watchdog's 500 ms) until the test ends. */
function keepAlive(progress: ReturnType<typeof fixture>["progress"], ids: string[]) {
  const timer = setInterval(() => {
    for (const id of ids) void progress.heartbeat(id, "ann").catch(() => {});
  }, 150);
  onCleanup(() => clearInterval(timer));
}

const row = (page: Page, title: string) => page.locator(".run-row", { hasText: title });
const tray = (page: Page) => page.getByRole("button", { name: /in progress$/ });
const rowLeft = (page: Page, title: string) => row(page, title).locator(".run-row-time .muted");

/** "about 1m 02s left" → 62; NaN for anything else. */
function secondsLeft(text: string | null): number {
  const match = /^about (?:(\d+)m )?(\d+)s(?: left)?$/.exec(text ?? "");
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : Number.NaN;
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function axe(page: Page): Promise<string[]> {
  await page.waitForTimeout(350);
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations as Array<{
      id: string;
      impact: string;
      nodes: Array<{ target: string[]; failureSummary: string }>;
    }>;
  }, WCAG_22_AA);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} — ${n.failureSummary.split("\n")[1]?.trim()}`));
}

describe("time left in real Chromium", () => {
  it("counts down between writes in the list, the tray and the run's page, and a step-only write does not reset it", async () => {
    const { progress, page, open, problems } = await setup();
    const run = await progress.startRun({
      owner: "ann",
      title: "Index 400 pages",
      percent: 10,
      step: "Page 40 of 400",
    });
    await sleep(1000);
    // 2% a second: about 44 s left.
    await progress.updateRunProgress(run.id, "ann", { percent: 12, step: "Page 48 of 400" });
    await open();
    const left = rowLeft(page, "Index 400 pages");
    await expect.poll(async () => secondsLeft(await left.textContent()), { timeout: 10_000 }).toBeGreaterThan(20);
    expect(await left.getAttribute("data-eta")).toBe("countdown");
    const first = secondsLeft(await left.textContent());
    await page.waitForTimeout(3000); // no write meanwhile
    const second = secondsLeft(await left.textContent());
    expect(first - second).toBeGreaterThanOrEqual(2);
    expect(first - second).toBeLessThanOrEqual(5);

    // A new step at the same percent: the estimate still dates from the percent's last move, so it does not jump back.
    await progress.updateRunProgress(run.id, "ann", { step: "Page 48 of 400, retrying a redirect" });
    await expect.poll(() => row(page, "Index 400 pages").textContent()).toContain("retrying a redirect");
    expect(secondsLeft(await left.textContent())).toBeLessThanOrEqual(second);
    await shot(page, "eta-countdown-list");

    // The tray counts down too.
    await tray(page).click();
    const dialog = page.getByRole("dialog", { name: "In progress" });
    const trayLeft = dialog.locator(".hw-eta");
    const inTray = secondsLeft(await trayLeft.textContent());
    expect(inTray).toBeLessThanOrEqual(second);
    await page.waitForTimeout(2000);
    expect(inTray - secondsLeft(await trayLeft.textContent())).toBeGreaterThanOrEqual(1);
    await shot(page, "eta-countdown-tray");

    // The tray links the run to its page, which opens in place; the count goes on there.
    await dialog.getByRole("link", { name: "Index 400 pages" }).click();
    await page.getByRole("heading", { name: "Index 400 pages" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/runs/${run.id}`);
    expect(await dialog.count()).toBe(0);
    const timeLeft = page.locator(".stat-grid div", { hasText: "Time left" }).locator("dd");
    const onPage = secondsLeft(await timeLeft.textContent());
    expect(onPage).toBeLessThanOrEqual(second);
    await page.waitForTimeout(2000);
    expect(onPage - secondsLeft(await timeLeft.textContent())).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  }, 60_000);

  it("shows a run the server's watchdog made stale as not responding, without an ETA, and the tray's count in amber", async () => {
    const { progress, page, open, problems } = await setup({ watchdog: SHORT_WATCHDOG });
    const alive = await progress.startRun({ owner: "ann", title: "Keeps reporting", percent: 10 });
    const silent = await progress.startRun({ owner: "ann", title: "Goes silent", percent: 10 });
    keepAlive(progress, [alive.id]);
    await sleep(400);
    await progress.updateRunProgress(alive.id, "ann", { percent: 14 });
    await progress.updateRunProgress(silent.id, "ann", { percent: 14 });
    await open();
    // Within a second or so the watchdog marks the silent one stale; the browser's clock has nothing to do with it.
    await expect
      .poll(() => row(page, "Goes silent").locator(".badge").textContent(), { timeout: 10_000 })
      .toBe("Not responding");
    expect(await rowLeft(page, "Goes silent").textContent()).toBe("\u00a0");
    expect(await rowLeft(page, "Goes silent").getAttribute("data-eta")).toBe("stale");
    expect(await row(page, "Keeps reporting").locator(".badge").textContent()).toBe("Running");
    expect(await rowLeft(page, "Keeps reporting").textContent()).toMatch(/ left$|^almost done$/);
    expect((await progress.getRun(silent.id, "ann"))?.attention).toBe("stale");

    const badge = page.locator(".hw-trigger .hw-badge");
    await expect.poll(() => badge.getAttribute("data-attention")).toBe("stale");
    const warning = await page.evaluate(() => {
      const probe = document.createElement("span");
      probe.style.color = "var(--warning)";
      document.body.append(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return colour;
    });
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(warning);
    await tray(page).click();
    const item = page.getByRole("dialog").locator(".hw-item", { hasText: "Goes silent" });
    expect(await item.getAttribute("data-attention")).toBe("stale");
    expect(await item.locator(".hw-percent").textContent()).toBe("14%");
    expect(await item.locator(".hw-eta").textContent()).toBe("not responding");
    expect(await item.textContent()).not.toMatch(/left|almost done|No progress/);
    await shot(page, "stale-by-watchdog-tray");
    await item.getByRole("link", { name: "Goes silent" }).click();
    const timeLeft = page.locator(".stat-grid div", { hasText: "Time left" }).locator("dd");
    await expect.poll(() => timeLeft.textContent()).toBe("unknown while it is silent");

    // A sign of life clears it, on the server and so on the page.
    keepAlive(progress, [silent.id]);
    await expect.poll(() => page.locator(".detail-title .badge").textContent(), { timeout: 10_000 }).toBe("Running");
    expect(problems).toEqual([]);
  }, 60_000);
});

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

for (const scheme of ["light", "dark"] as const) {
  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    describe(`countdown, stall and stale states, axe-core WCAG 2.2 AA (${scheme}, ${size})`, () => {
      it("finds nothing serious in the list, the open tray with its links and amber count, and the runs' pages", async () => {
        const { progress, page, open, problems } = await setup({ scheme, viewport, watchdog: SHORT_WATCHDOG });
        const counting = await progress.startRun({ owner: "ann", title: "Index 400 pages", percent: 1 });
        const stuck = await progress.startRun({ owner: "ann", title: "Reconcile invoices", percent: 30 });
        const silent = await progress.startRun({ owner: "ann", title: "Crawl the help centre", percent: 10 });
        await progress.startRun({ owner: "ann", title: "Approve the refund batch", state: "action_required" });
        const failed = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
        await progress.completeRun(failed.id, "ann", "failed", { step: "Calendar API returned 503" });
        keepAlive(progress, [counting.id, stuck.id]);
        await sleep(1000);
        await progress.updateRunProgress(counting.id, "ann", { percent: 2, step: "Page 8 of 400" });
        await progress.updateRunProgress(stuck.id, "ann", { percent: 40, step: "Invoice 40 of 100" });
        await progress.updateRunProgress(silent.id, "ann", { percent: 20, step: "Article 20" });
        await open();
        await row(page, "Reconcile invoices").waitFor();
        await expect.poll(() => rowLeft(page, "Reconcile invoices").getAttribute("data-eta")).toBe("countdown");
        // Two writes that leave the percent where it was, seen one by one by the page…
        for (const step of ["Invoice 40 of 100: waiting for the ledger", "Invoice 40 of 100: still waiting"]) {
          await sleep(300);
          await progress.updateRunProgress(stuck.id, "ann", { step });
          await expect.poll(() => row(page, "Reconcile invoices").textContent()).toContain(step);
        }
        // …and a minute on (the browser's clock only: the server's watchdog keeps its own), a stall.
        await page.clock.setFixedTime(Date.now() + 60_000);
        await expect.poll(() => rowLeft(page, "Reconcile invoices").textContent()).toBe("No progress for 1m");
        await expect
          .poll(() => row(page, "Crawl the help centre").locator(".badge").textContent())
          .toBe("Not responding");
        expect(await rowLeft(page, "Index 400 pages").textContent()).toMatch(/^about .* left$/);
        expect(await row(page, "Reconcile invoices").locator(".badge").textContent()).toBe("Running");
        expect(await axe(page)).toEqual([]);
        await shot(page, `eta-states-list-${scheme}-${size}`);

        await tray(page).click();
        const dialog = page.getByRole("dialog", { name: "In progress" });
        await dialog.getByRole("link", { name: "Reconcile invoices" }).waitFor();
        expect(await page.locator(".hw-trigger .hw-badge").getAttribute("data-attention")).toBe("action_required");
        expect(
          await dialog.locator(".hw-item", { hasText: "Reconcile invoices" }).locator(".hw-eta").textContent(),
        ).toBe("No progress for 1m");
        expect(await axe(page)).toEqual([]);
        const box = await dialog.boundingBox();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
        await shot(page, `eta-states-tray-${scheme}-${size}`);
        await dialog.getByRole("link", { name: "Reconcile invoices" }).click();
        await page.getByRole("heading", { name: "Reconcile invoices" }).waitFor();
        const timeLeft = page.locator(".stat-grid div", { hasText: "Time left" }).locator("dd");
        await expect.poll(() => timeLeft.textContent()).toBe("No progress for 1m");
        expect(await axe(page)).toEqual([]);

        await open(`/runs/${silent.id}`);
        await page.getByRole("heading", { name: "Crawl the help centre" }).waitFor();
        await expect.poll(() => timeLeft.textContent()).toBe("unknown while it is silent");
        expect(await axe(page)).toEqual([]);
        await shot(page, `eta-states-stale-run-${scheme}-${size}`);
        const overflow = await page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) <= window.innerWidth);
        expect(overflow).toBe(true);
        expect(problems).toEqual([]);
      }, 90_000);
    });
  }
}
