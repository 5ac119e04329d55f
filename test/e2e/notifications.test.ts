/**
 * Notifications in the dashboard, in Chromium, against a real server running
 * the built-in rules (as `headway serve` does): a run that fails through the
 * library shows as a toast, the bell's count goes up, the tab's title says
 * so while the tab is hidden, mark read reaches the store; the tray keeps
 * the failed run with its outcome, and focus lands on the bell when the tray
 * goes. Light and dark, 1440 and 390 px, axe-core, screenshots.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyOnOutcomes } from "../../src/notifications/index.js";
import { startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { ARTIFACTS, buildDashboard, launchChromium } from "./browser.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

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

async function setup(options: { scheme?: Scheme; viewport?: { width: number; height: number } } = {}) {
  const f = fixture();
  const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: dashboard.dir });
  onCleanup(() => server.close());
  const rules = notifyOnOutcomes(f.progress, { intervalMs: 50 });
  onCleanup(() => rules.close());
  const context = await browser.newContext({
    colorScheme: options.scheme ?? "light",
    viewport: options.viewport ?? DESKTOP,
    reducedMotion: "reduce",
  });
  onCleanup(() => context.close());
  // What the page asks of the browser's notifications, and what it shows through them.
  await context.addInitScript(() => {
    const record = { asked: 0, shown: [] as Array<{ title: string; body?: string }> };
    (window as unknown as { __notifications: typeof record }).__notifications = record;
    const Real = window.Notification;
    if (!Real) return;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        record.shown.push({ title, body: options?.body });
      }
      static override requestPermission(...args: Parameters<typeof Real.requestPermission>) {
        record.asked++;
        return Real.requestPermission(...args);
      }
    }
    window.Notification = Recorded as typeof Notification;
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const token = await f.tokenFor("ann");
  const open = async (path = "/") => {
    await page.goto(`${server.url}${path}?token=${token}`);
    await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
  };
  return { ...f, server, context, page, open, problems };
}

/** The page goes to the background (another tab in front) or comes back, as Chromium reports it. */
async function setVisibility(page: Page, state: "hidden" | "visible") {
  await page.evaluate((next) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => next });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => next === "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

const bell = (page: Page) => page.getByRole("button", { name: /^Notifications, / });
const toasts = (page: Page) => page.locator(".hw-toast");
const recorded = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __notifications: { asked: number; shown: Array<{ title: string; body?: string }> } })
        .__notifications,
  );

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

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth);
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

describe("a run that fails, as its owner sees it in the dashboard", () => {
  it("shows a toast, counts it on the bell, puts it in the hidden tab's title, and marks it read", async () => {
    const { progress, page, open, problems } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
    await progress.startRun({
      owner: "ann",
      title: "Triage 128 unread emails",
      percent: 45,
      step: "Classifying 58/128",
    });
    await open();
    await expect.poll(() => bell(page).getAttribute("aria-label")).toBe("Notifications, none unread");
    await expect.poll(() => page.title()).toBe("(2) Headway");

    await setVisibility(page, "hidden");
    await progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503 after 3 retries" });
    await expect.poll(() => page.title()).toBe("(1) Failed: Sync 3 calendars — Headway");
    await expect.poll(() => bell(page).getAttribute("aria-label")).toBe("Notifications, 1 unread");
    await expect.poll(() => toasts(page).count()).toBe(1);
    expect(await toasts(page).first().textContent()).toContain("Failed: Sync 3 calendars");
    expect(await page.getByTestId("headway-alert-urgent").textContent()).toBe(
      "Failed: Sync 3 calendars. Calendar API returned 503 after 3 retries",
    );
    // The tray keeps the failed run, with its outcome, beside the one still going.
    const tray = page.getByRole("button", { name: "1 run in progress" });
    expect(await tray.locator(".hw-failed-dot").count()).toBe(1);

    await setVisibility(page, "visible");
    await expect.poll(() => page.title()).toBe("(1) Headway");
    // Critical: it stays until dismissed, and says so.
    await page.waitForTimeout(500);
    expect(await toasts(page).count()).toBe(1);
    await shot(page, "notifications-toast-light-desktop");

    await tray.click();
    const failedRow = page.locator(`.hw-item[data-run-id="${run.id}"]`);
    await failedRow.waitFor();
    expect(await failedRow.getAttribute("data-status")).toBe("failed");
    expect(await failedRow.textContent()).toContain("Failed at 40%");
    await shot(page, "notifications-tray-failed-light-desktop");
    await page.keyboard.press("Escape");

    await bell(page).click();
    const panel = page.getByRole("dialog", { name: "Notifications" });
    await panel.waitFor();
    expect(await panel.getByRole("listitem").first().textContent()).toContain("Calendar API returned 503");
    await shot(page, "notifications-bell-light-desktop");
    await panel.getByRole("button", { name: "Mark read: Failed: Sync 3 calendars" }).click();
    await expect.poll(() => bell(page).getAttribute("aria-label")).toBe("Notifications, none unread");
    await expect.poll(async () => (await progress.listNotifications("ann")).unreadCount).toBe(0);
    await page.keyboard.press("Escape");

    // The toast's link opens the run's page in place.
    await toasts(page).getByRole("link", { name: "View run" }).click();
    await page.getByRole("heading", { name: "Sync 3 calendars" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/runs/${run.id}`);
    expect(await toasts(page).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it("moves focus to the bell when the tray goes with focus in it", async () => {
    const { progress, page, open } = await setup();
    const run = await progress.startRun({ owner: "ann", title: "Export monthly report", percent: 80 });
    await open();
    const tray = page.getByRole("button", { name: "1 run in progress" });
    await tray.click();
    await page.getByRole("dialog", { name: "In progress" }).waitFor();
    await progress.completeRun(run.id, "ann", "succeeded");
    // Done, in view while the dropdown is open; it leaves once the dropdown closes and its time (5 s) is up.
    await page.locator(`.hw-item[data-run-id="${run.id}"][data-status="succeeded"]`).waitFor();
    await page.keyboard.press("Escape");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("1 run done");
    await page.mouse.move(0, 500);
    await page.locator(".app-header").screenshot({ path: join(ARTIFACTS, "notifications-tray-done-header.png") });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")), { timeout: 10_000 })
      .toBe("Notifications, none unread");
    expect(await page.locator(".hw-tray").count()).toBe(0);
  }, 30_000);

  it("asks for browser notifications only when switched on, then shows failures through them while the tab is hidden", async () => {
    const { progress, context, page, open, server } = await setup();
    await context.grantPermissions(["notifications"], { origin: server.url });
    const run = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
    await open();
    expect((await recorded(page)).asked).toBe(0);
    await bell(page).click();
    const toggle = page.getByRole("switch", { name: "Browser notifications" });
    expect(await toggle.getAttribute("aria-checked")).toBe("false");
    expect((await recorded(page)).asked).toBe(0);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("true");
    await page.keyboard.press("Escape");

    await setVisibility(page, "hidden");
    await progress.completeRun(run.id, "ann", "failed", { step: "Calendar API returned 503" });
    await expect
      .poll(async () => (await recorded(page)).shown)
      .toEqual([{ title: "Failed: Sync 3 calendars", body: "Calendar API returned 503" }]);
    // On the next visit it is still on, and nothing is asked on load.
    await open();
    expect((await recorded(page)).asked).toBe(0);
    await bell(page).click();
    expect(await page.getByRole("switch", { name: "Browser notifications" }).getAttribute("aria-checked")).toBe("true");
  }, 30_000);
});

for (const scheme of ["light", "dark"] as const) {
  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    describe(`notifications on screen (${scheme}, ${size})`, () => {
      it("fits, and axe finds nothing serious with toasts showing, the bell open and the tray keeping a failure", async () => {
        const { progress, page, open, problems } = await setup({ scheme, viewport });
        const failing = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
        const waiting = await progress.startRun({ owner: "ann", title: "Approve the refund batch" });
        await progress.startRun({
          owner: "ann",
          title: "Triage 128 unread emails in the shared support inbox",
          percent: 45,
          step: "Classifying 58/128",
        });
        await progress.notify("ann", {
          title: "Nightly export finished",
          body: "412 rows written to the warehouse",
          severity: "info",
        });
        await open();
        await expect.poll(() => bell(page).getAttribute("aria-label")).toBe("Notifications, 1 unread");
        await progress.completeRun(failing.id, "ann", "failed", { step: "Calendar API returned 503 after 3 retries" });
        await progress.updateRunProgress(waiting.id, "ann", { state: "action_required", step: "Approve 12 refunds" });
        await expect.poll(() => toasts(page).count(), { timeout: 10_000 }).toBe(2);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        // The toasts stay inside the screen.
        for (const box of await toasts(page).evaluateAll((els) =>
          els.map((el) => el.getBoundingClientRect().toJSON()),
        )) {
          expect(box.left).toBeGreaterThanOrEqual(0);
          expect(box.right).toBeLessThanOrEqual(viewport.width);
        }
        expect(await page.locator(".app-header").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(70);
        expect(await axe(page)).toEqual([]);
        await shot(page, `notifications-toasts-${scheme}-${size}`);

        await bell(page).click();
        const panel = page.getByRole("dialog", { name: "Notifications" });
        await panel.waitFor();
        const box = await panel.boundingBox();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        expect(await axe(page)).toEqual([]);
        await shot(page, `notifications-bell-${scheme}-${size}`);
        await page.keyboard.press("Escape");

        await page.getByRole("button", { name: "2 runs in progress" }).click();
        await page.locator(".hw-item[data-status=failed]").waitFor();
        expect(await axe(page)).toEqual([]);
        await shot(page, `notifications-tray-${scheme}-${size}`);
        expect(problems).toEqual([]);
      }, 60_000);
    });
  }
}
