import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import type { LimitsOptions } from "../../src/server/limits/limits-options.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { ARTIFACTS, buildDashboard, launchChromium, recordTraffic } from "./browser.js";

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

async function setup(scheme: "light" | "dark", limits?: LimitsOptions) {
  const f = fixture();
  const server = await startServer({
    progress: f.progress,
    port: 0,
    host: "127.0.0.1",
    dashboardDir: dashboard.dir,
    limits,
  });
  onCleanup(() => server.close());
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 860 } });
  onCleanup(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const open = async (path = "/") => {
    await page.goto(`${server.url}${path}?token=${await f.tokenFor("ann")}`);
  };
  return { ...f, server, page, open, problems };
}

async function shot(page: Page, name: string) {
  await page.waitForTimeout(400); // let the bars' 300 ms width transition settle
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
const row = (page: Page, title: string) => page.locator(".run-row", { hasText: title });
const tray = (page: Page) => page.getByRole("button", { name: /in progress$/ });

for (const scheme of ["light", "dark"] as const) {
  describe(`the dashboard in real Chromium (${scheme})`, () => {
    it("follows the system theme, keeps the token out of the address bar, and lists runs", async () => {
      const { progress, page, open, problems } = await setup(scheme);
      await progress.startRun({ owner: "ann", title: "Triage 128 unread emails", step: "reading", percent: 12 });
      const done = await progress.startRun({ owner: "ann", title: "Sync 3 calendars" });
      await progress.completeRun(done.id, "ann", "failed", { step: "Calendar API returned 503 after 3 retries" });
      await progress.startRun({ owner: "bob", title: "Bob's secret run" });
      await open();
      await row(page, "Triage 128 unread emails").waitFor();
      expect(new URL(page.url()).search).toBe("");
      // The link was traded for an HttpOnly session cookie: the page holds no token, and script cannot read the cookie.
      expect(await page.evaluate(() => sessionStorage.getItem("headway-token"))).toBeNull();
      expect(await page.evaluate(() => document.cookie)).not.toContain("headway_session");
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(scheme === "dark");
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === "dark" ? "rgb(9, 9, 11)" : "rgb(250, 250, 250)");
      await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
      expect(await page.locator(".run-row").count()).toBe(2);
      expect(await page.content()).not.toContain("Bob's secret run");

      // A run that ended without a percent shows a still bar, not a busy one.
      const endedFill = row(page, "Sync 3 calendars").locator(".hw-bar-fill");
      expect(await endedFill.evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
      expect(await row(page, "Sync 3 calendars").getByRole("progressbar").getAttribute("aria-valuenow")).toBeNull();

      await page.getByRole("button", { name: /^Failed/ }).click();
      // Filters and searches are answered by the server: the list changes when its answer arrives.
      await expect.poll(() => page.locator(".run-row .run-title").allTextContents()).toEqual(["Sync 3 calendars"]);
      await page.getByRole("button", { name: /^All/ }).click();
      await page.getByRole("searchbox", { name: "Search runs by title" }).fill("triage");
      await expect
        .poll(() => page.locator(".run-row .run-title").allTextContents())
        .toEqual(["Triage 128 unread emails"]);
      await page.getByRole("searchbox").fill("");
      await shot(page, `dashboard-list-${scheme}`);

      // The toggle overrides the system theme and remembers it.
      const toggle = page.getByRole("button", { name: /^Theme:/ });
      await toggle.click(); // system -> light
      await toggle.click(); // light -> dark
      expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
      await toggle.click(); // dark -> system
      expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(scheme === "dark");
      expect(problems).toEqual([]);
    });

    it("moves a run's bar when the library updates it, in the list, the tray and the detail", async () => {
      const { progress, page, open } = await setup(scheme);
      const run = await progress.startRun({
        owner: "ann",
        title: "Classify 200 documents",
        percent: 10,
        step: "batch 1",
      });
      const child = await progress.startRun({ owner: "ann", title: "Sub-agent 1", parentId: run.id, percent: 20 });
      await open();
      const bar = row(page, "Classify 200 documents").getByRole("progressbar");
      await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("10");
      await progress.updateRunProgress(run.id, "ann", { percent: 45, step: "Classifying 90/200" });
      await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("45");
      await expect.poll(() => row(page, "Classify 200 documents").textContent()).toContain("Classifying 90/200");

      await tray(page).click();
      const dialog = page.getByRole("dialog", { name: "In progress" });
      await expect.poll(() => dialog.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("45");
      await progress.updateRunProgress(run.id, "ann", { percent: 60 });
      await expect.poll(() => dialog.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("60");
      await shot(page, `dashboard-tray-${scheme}`);
      await page.keyboard.press("Escape");
      expect(await dialog.count()).toBe(0);

      await row(page, "Classify 200 documents").getByRole("link").click();
      await page.getByRole("heading", { name: "Classify 200 documents" }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/runs/${run.id}`);
      const big = page.locator(".progress-card").getByRole("progressbar");
      await expect.poll(() => big.getAttribute("aria-valuenow")).toBe("60");
      await progress.updateRunProgress(run.id, "ann", { percent: 75, step: "Classifying 150/200" });
      await expect.poll(() => big.getAttribute("aria-valuenow")).toBe("75");
      await expect.poll(() => page.locator(".timeline").textContent()).toContain("Classifying 150/200");
      await page.locator(".chart").waitFor();
      expect(await page.getByRole("list", { name: "Child runs" }).textContent()).toContain("Sub-agent 1");
      await progress.updateRunProgress(child.id, "ann", { percent: 90 });
      await expect
        .poll(() =>
          page.getByRole("list", { name: "Child runs" }).getByRole("progressbar").getAttribute("aria-valuenow"),
        )
        .toBe("90");
      await page.waitForTimeout(600); // the timeline re-reads at most every half second
      await shot(page, `dashboard-detail-${scheme}`);
    });

    it("cancels a run from the page: the library sees cancelRequested", async () => {
      const { progress, page, open } = await setup(scheme);
      const run = await progress.startRun({ owner: "ann", title: "Draft replies", percent: 30 });
      await open(`/runs/${run.id}`);
      await page.getByRole("button", { name: "Cancel run" }).click();
      // One click only asks; nothing is sent yet, and focus is on the answer.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Stop run");
      expect((await progress.getRun(run.id, "ann"))?.cancelRequested).toBe(false);
      await page.getByRole("button", { name: "Keep running" }).click();
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel run");
      await page.getByRole("button", { name: "Cancel run" }).click();
      await page.keyboard.press("Enter");
      await expect.poll(async () => (await progress.getRun(run.id, "ann"))?.cancelRequested).toBe(true);
      await page.getByRole("button", { name: "Stopping…" }).waitFor();
      // Focus stays on the button, not dropped to <body>.
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Stopping…");
      // The agent sees the request on its next write and stops.
      await progress.completeRun(run.id, "ann", "cancelled");
      await expect.poll(() => page.locator(".detail-title .badge").textContent()).toBe("Cancelled");
      expect(await page.getByRole("button", { name: /Cancel run|Stopping/ }).count()).toBe(0);
      // "Stopping…" had focus; now that it is gone, focus sits on Delete rather than <body>.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete");
      await shot(page, `dashboard-cancelled-${scheme}`);
    });

    it("cancels from the tray, and hides the tray when nothing is active", async () => {
      const { progress, page, open } = await setup(scheme);
      const first = await progress.startRun({ owner: "ann", title: "Sync calendars", percent: 50 });
      const second = await progress.startRun({ owner: "ann", title: "Export report" });
      await open();
      await expect.poll(() => tray(page).getAttribute("aria-label")).toBe("2 runs in progress");
      await tray(page).click();
      await page.getByRole("button", { name: "Cancel Sync calendars" }).click();
      expect((await progress.getRun(first.id, "ann"))?.cancelRequested).toBe(false);
      await page.getByRole("button", { name: "Stop Sync calendars" }).click();
      await expect.poll(async () => (await progress.getRun(first.id, "ann"))?.cancelRequested).toBe(true);
      await progress.completeRun(first.id, "ann", "cancelled");
      await expect.poll(() => tray(page).getAttribute("aria-label")).toBe("1 run in progress");
      await progress.completeRun(second.id, "ann", "succeeded");
      await expect.poll(() => tray(page).count()).toBe(0);
      await expect.poll(() => row(page, "Export report").locator(".badge").textContent()).toBe("Done");
      await shot(page, `dashboard-idle-${scheme}`);
    });

    it("deletes a run after a confirming click", async () => {
      const { progress, page, open } = await setup(scheme);
      const run = await progress.startRun({ owner: "ann", title: "Old import" });
      await progress.completeRun(run.id, "ann", "succeeded");
      await open(`/runs/${run.id}`);
      await page.getByRole("button", { name: "Delete", exact: true }).click();
      expect(await progress.getRun(run.id, "ann")).not.toBeNull();
      await page.getByRole("button", { name: "Delete for good" }).click();
      await page.getByRole("heading", { name: "Runs" }).waitFor();
      await expect.poll(() => progress.getRun(run.id, "ann")).toBeNull();
      // Focus lands on the list's heading, not on <body>, and the page says what happened.
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Runs");
      expect(await page.getByRole("status").filter({ hasText: "Deleted" }).textContent()).toContain("Old import");
      await expect.poll(() => page.locator(".empty").textContent()).toContain("No runs yet");
    });
  });
}

describe("the placeholder page, when the dashboard is not built", () => {
  it("signs in by the printed link and shows runs live on the session cookie; a refused token is said so", async () => {
    const f = fixture();
    const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: false });
    onCleanup(() => server.close());
    const run = await f.progress.startRun({ owner: "ann", title: "Shown without a build", percent: 10 });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    onCleanup(() => context.close());
    const page = await context.newPage();
    await page.goto(`${server.url}/?token=${await f.tokenFor("ann")}`);
    await page.getByText("The dashboard is not built yet").waitFor();
    expect(new URL(page.url()).search).toBe("");
    const item = page.locator("#runs li", { hasText: "Shown without a build" });
    await item.waitFor();
    await f.progress.updateRunProgress(run.id, "ann", { percent: 64 });
    await expect.poll(() => item.locator(".meta").textContent()).toBe("64%");

    await context.clearCookies();
    await page.goto(`${server.url}/?token=hw_not_a_real_token`);
    await expect.poll(() => page.locator("#status").textContent()).toMatch(/^That token was not accepted\./);
    expect(new URL(page.url()).search).toBe("");
  });
});

describe("the dashboard without a valid token", () => {
  it("asks for one, and a pasted token opens the runs", async () => {
    const { progress, page, server, tokenFor } = await setup("light");
    await progress.startRun({ owner: "ann", title: "Visible after sign-in" });
    await page.goto(`${server.url}/?token=hw_revoked_or_wrong`);
    await page.getByRole("heading", { name: "Connect to Headway" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("not accepted");
    await shot(page, "dashboard-token-light");
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    await page.getByLabel("Access token").fill(await tokenFor("ann"));
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await row(page, "Visible after sign-in").waitFor();
    expect(new URL(page.url()).search).toBe("");
  });

  it("keeps an open tab signed in and live across a server restart", async () => {
    const f = fixture();
    const first = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: dashboard.dir });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    onCleanup(() => context.close());
    const page = await context.newPage();
    const run = await f.progress.startRun({ owner: "ann", title: "Outlives a restart", percent: 10 });
    await page.goto(`${first.url}/?token=${await f.tokenFor("ann")}`);
    await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
    await first.close();
    await expect.poll(() => page.locator(".connection").textContent()).not.toBe("Live");
    // The same port again (the session cookie is per host and port), over the same database.
    const second = await startServer({
      progress: f.progress,
      port: first.port,
      host: "127.0.0.1",
      dashboardDir: dashboard.dir,
    });
    onCleanup(() => second.close());
    await expect.poll(() => page.locator(".connection").textContent(), { timeout: 15_000 }).toBe("Live");
    await f.progress.updateRunProgress(run.id, "ann", { percent: 55 });
    const bar = row(page, "Outlives a restart").getByRole("progressbar");
    await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("55");
    await page.reload();
    await row(page, "Outlives a restart").waitFor();
    expect(await page.getByRole("heading", { name: "Connect to Headway" }).count()).toBe(0);
  });

  it("signs out: the session ends on the server and the page asks for a token again", async () => {
    // The default burst of failed sign-ins (20), refilling slowly: a page whose requests counted as
    // failures would be refused with 429s by its second load, and never show the prompt.
    const { progress, page, open, server } = await setup("light", { authFailuresPerSecond: 0.1 });
    // The trail (requests, answers, console) is printed if a wait fails: it is how the 429s below were found.
    const traffic = recordTraffic(page, server.url);
    try {
      await progress.startRun({ owner: "ann", title: "Seen while signed in" });
      traffic.step("open");
      await open();
      await row(page, "Seen while signed in").waitFor();
      traffic.step("sign out");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Connect to Headway" }).waitFor();
      expect(await page.getByRole("alert").count()).toBe(0); // nothing went wrong: no "not accepted"
      // Reloaded again and again, it still asks for a token: a signed-out page's requests present no
      // credential, so they never use up the address's allowance of failed sign-ins and turn into 429s.
      for (let load = 1; load <= 3; load++) {
        traffic.step(`reload ${load}`);
        await page.reload();
        await page.getByRole("heading", { name: "Connect to Headway" }).waitFor();
        expect(await page.content()).not.toContain("Seen while signed in");
      }
    } catch (error) {
      console.error(`the page's trail:\n${traffic.trail()}`);
      throw error;
    }
  });
});
