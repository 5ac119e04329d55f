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
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

async function setup(scheme: Scheme, viewport: { width: number; height: number }, watchdog?: WatchdogOptions) {
  const f = fixture({ watchdog });
  const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: dashboard.dir });
  onCleanup(() => server.close());
  const context = await browser.newContext({ colorScheme: scheme, viewport, reducedMotion: "reduce" });
  onCleanup(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const token = await f.tokenFor("ann");
  const open = async (path = "/") => {
    await page.goto(`${server.url}${path}?token=${token}`);
  };
  return { ...f, server, page, open, problems };
}

/** A realistic owner: a parent with children, a long title, a failure, a run that needs a person. */
async function seed(progress: Awaited<ReturnType<typeof setup>>["progress"]) {
  const parent = await progress.startRun({ owner: "ann", title: "Research competitors for the Q3 pricing review" });
  const a = await progress.startRun({
    owner: "ann",
    title: "Sub-agent: collect public price lists",
    parentId: parent.id,
  });
  await progress.updateRunProgress(a.id, "ann", { percent: 70, step: "Reading page 7 of 10" });
  await progress.startRun({ owner: "ann", title: "Sub-agent: summarise analyst notes", parentId: parent.id });
  await progress.startRun({
    owner: "ann",
    title: "Triage 128 unread emails in the shared support inbox",
    step: "Classifying 58/128",
    percent: 45,
  });
  await progress.startRun({ owner: "ann", title: "Approve the refund batch", state: "action_required" });
  const failed = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", percent: 40 });
  await progress.completeRun(failed.id, "ann", "failed", { step: "Calendar API returned 503 after 3 retries" });
  const done = await progress.startRun({ owner: "ann", title: "Export monthly report", percent: 10 });
  await progress.completeRun(done.id, "ann", "succeeded");
  const cancelled = await progress.startRun({ owner: "ann", title: "Draft replies" });
  await progress.completeRun(cancelled.id, "ann", "cancelled");
  return { parent, failed };
}

/** Runs axe-core in the page; returns the serious and critical findings as readable lines. */
async function axe(page: Page): Promise<string[]> {
  await page.waitForTimeout(350); // let the bars' width transition settle before measuring contrast
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

async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.scrollingElement?.scrollWidth ?? 0,
    innerWidth: window.innerWidth,
  }));
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(350);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const tray = (page: Page) => page.getByRole("button", { name: /in progress$/ });

for (const scheme of ["light", "dark"] as const) {
  describe(`on a 390 px phone (${scheme})`, () => {
    it("never scrolls sideways, keeps the tray panel on screen and shows time and status", async () => {
      const { progress, page, open, problems } = await setup(scheme, PHONE);
      const { parent, failed } = await seed(progress);
      await open();
      await page.locator(".run-row").first().waitFor();
      await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
      expect(await overflow(page)).toSatisfy(
        (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
      );
      // "Sign out" and every badge sit inside the viewport.
      const inside = async (selector: string) =>
        page.locator(selector).evaluateAll((els) =>
          els.map((el) => {
            const box = el.getBoundingClientRect();
            return box.left >= 0 && box.right <= window.innerWidth;
          }),
        );
      expect(await inside(".header-actions button")).not.toContain(false);
      // The header fits one row: it is sticky, and two rows would take a tenth of the screen.
      expect(await page.locator(".app-header").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(70);
      expect(await inside(".run-row .badge")).not.toContain(false);
      // Elapsed time and time left are visible on a phone too.
      const time = page.locator(".run-row", { hasText: "Triage 128" }).locator(".run-row-time");
      expect(await time.isVisible()).toBe(true);
      // Elapsed time says so itself: the row's two ends are "12s elapsed" and the time left, not "12s" and "elapsed".
      expect(await time.locator("span").first().textContent()).toMatch(/^\d+s elapsed$/);
      await shot(page, `phone-list-${scheme}`);

      await tray(page).click();
      const panel = page.getByRole("dialog", { name: "In progress" });
      await panel.waitFor();
      const box = await panel.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      expect(await overflow(page)).toSatisfy(
        (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
      );
      await shot(page, `phone-tray-${scheme}`);
      await page.keyboard.press("Escape");

      await open(`/runs/${parent.id}`);
      await page.getByRole("heading", { name: parent.title }).waitFor();
      await page.getByRole("list", { name: "Child runs" }).waitFor();
      expect(await overflow(page)).toSatisfy(
        (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
      );
      // Child titles are not cut to a few characters.
      const titleWidth = await page
        .getByRole("list", { name: "Child runs" })
        .locator(".run-title")
        .first()
        .evaluate((el) => ({ shown: el.clientWidth, needed: el.scrollWidth }));
      expect(titleWidth.shown).toBeGreaterThan(200);
      await shot(page, `phone-parent-${scheme}`);

      await open(`/runs/${failed.id}`);
      await page.getByRole("heading", { name: "Sync 3 calendars" }).waitFor();
      expect(await overflow(page)).toSatisfy(
        (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
      );
      await shot(page, `phone-failed-${scheme}`);
      expect(problems).toEqual([]);
    });
  });

  describe(`on a 320 px phone (${scheme})`, () => {
    it("wraps a title, a step or metadata with no spaces instead of widening the page", async () => {
      const { progress, page, open, problems } = await setup(scheme, { width: 320, height: 640 });
      const word = "Supercalifragilistic_unbroken_identifier_of_a_nightly_export_job";
      const run = await progress.startRun({
        owner: "ann",
        title: word,
        percent: 20,
        metadata: { path: `/var/lib/${word}/${word}.tar.gz` },
      });
      await progress.startRun({ owner: "ann", title: `${word}_child`, parentId: run.id, step: word });
      await progress.completeRun(run.id, "ann", "failed", { step: `ECONNREFUSED:${word}:${word}` });
      for (const path of ["/", `/runs/${run.id}`]) {
        await open(path);
        await page
          .locator(path === "/" ? ".run-row" : ".progress-card")
          .first()
          .waitFor();
        await page.waitForTimeout(300);
        expect(await overflow(page)).toSatisfy(
          (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
        );
      }
      await shot(page, `phone-320-long-words-${scheme}`);
      expect(problems).toEqual([]);
    });
  });

  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    describe(`axe-core, WCAG 2.2 AA (${scheme}, ${size})`, () => {
      it("finds nothing serious in the list, the open tray, a failed run, a parent run and an empty list", async () => {
        const { progress, page, open } = await setup(scheme, viewport);
        const { parent, failed } = await seed(progress);
        await open();
        await page.locator(".run-row").first().waitFor();
        await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
        expect(await axe(page)).toEqual([]);

        await tray(page).click();
        await page.getByRole("dialog", { name: "In progress" }).waitFor();
        expect(await axe(page)).toEqual([]);
        await page.keyboard.press("Escape");

        await open(`/runs/${failed.id}`);
        await page.getByRole("heading", { name: "Sync 3 calendars" }).waitFor();
        await page.locator(".timeline").waitFor();
        expect(await axe(page)).toEqual([]);

        await open(`/runs/${parent.id}`);
        await page.getByRole("list", { name: "Child runs" }).waitFor();
        expect(await axe(page)).toEqual([]);

        // A long timeline scrolls in its own box; with the cancel question open.
        const long = await progress.startRun({ owner: "ann", title: "Index 40 repositories", percent: 1 });
        for (let i = 1; i <= 40; i++) {
          // A change of state is always kept in the history (plain progress is sampled once a second).
          const state = i % 2 ? "tool_running" : "streaming";
          await progress.updateRunProgress(long.id, "ann", { percent: i * 2, step: `Repository ${i} of 40`, state });
        }
        await open(`/runs/${long.id}`);
        await page.locator(".timeline").waitFor();
        await expect.poll(() => page.locator(".timeline-item").count(), { timeout: 15_000 }).toBeGreaterThan(10);
        await page.getByRole("button", { name: "Cancel run" }).click();
        await page.getByRole("button", { name: "Stop run" }).waitFor();
        expect(await axe(page)).toEqual([]);

        await open();
        await page.getByRole("searchbox", { name: /Search runs/ }).fill("nothing has this title");
        await page.getByText("No runs match").waitFor();
        expect(await axe(page)).toEqual([]);
      }, 90_000); // six page states, each measured by axe

      it("finds nothing serious in the questions, notices and warnings: cancel and delete asked, a run deleted, runs gone silent", async () => {
        // The server's watchdog finds runs silent after 2 s here (2 minutes by default).
        const { progress, page, open } = await setup(scheme, viewport, {
          staleAfterMs: 2000,
          abandonAfterMs: 120_000,
          intervalMs: 100,
        });
        const { failed } = await seed(progress);
        await open();
        await page.locator(".run-row").first().waitFor();
        await tray(page).click();
        await page.getByRole("button", { name: "Cancel Approve the refund batch" }).click();
        await page.getByRole("button", { name: "Stop Approve the refund batch" }).waitFor();
        expect(await axe(page)).toEqual([]);
        await page.keyboard.press("Escape");

        await open(`/runs/${failed.id}`);
        await page.getByRole("button", { name: "Delete", exact: true }).click();
        await page.getByRole("button", { name: "Delete for good" }).waitFor();
        expect(await axe(page)).toEqual([]);
        await page.getByRole("button", { name: "Delete for good" }).click();
        await page.getByRole("status").filter({ hasText: "Deleted" }).waitFor();
        expect(await axe(page)).toEqual([]);

        // No word from the running runs past the watchdog's threshold: not responding, in the list and the tray.
        await expect
          .poll(() => page.locator(".badge", { hasText: "Not responding" }).count(), { timeout: 10_000 })
          .toBeGreaterThan(0);
        expect(await axe(page)).toEqual([]);
        await tray(page).click();
        await page.locator(".hw-item[data-attention=stale]").first().waitFor();
        expect(await axe(page)).toEqual([]);
        await shot(page, `silent-runs-tray-${scheme}-${size}`);
        // Gone silent is a warning like waiting for a person (amber, as in the list), not a failure (red).
        const colour = (attention: string) =>
          page
            .locator(`.hw-item[data-attention=${attention}] .hw-percent`)
            .first()
            .evaluate((el) => getComputedStyle(el).color);
        expect(await colour("stale")).toBe(await colour("action_required"));
      }, 60_000);

      it("finds nothing serious on an empty dashboard and on the token prompt", async () => {
        const { page, open, server } = await setup(scheme, viewport);
        await open();
        await page.getByText("No runs yet").waitFor();
        expect(await axe(page)).toEqual([]);
        expect(await overflow(page)).toSatisfy(
          (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
        );
        // A browser without a session (the link above left a cookie) and a token the server refuses.
        await page.context().clearCookies();
        await page.goto(`${server.url}/?token=hw_not_a_real_token`);
        await page.getByRole("heading", { name: "Connect to Headway" }).waitFor();
        expect(await axe(page)).toEqual([]);
        expect(await overflow(page)).toSatisfy(
          (o: { scrollWidth: number; innerWidth: number }) => o.scrollWidth <= o.innerWidth,
        );
      });
    });
  }
}
