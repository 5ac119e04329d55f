/**
 * The dashboard's Webhooks page in Chromium: reached from the run list,
 * it lists the owner's endpoints and dead deliveries, and its Replay button
 * gets a dead delivery delivered by the server's dispatcher. At 390 px, light
 * and dark: no sideways scroll, no serious or critical axe findings.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { startReceiver } from "../webhooks/receiver.js";
import { ARTIFACTS, buildDashboard, launchChromium } from "./browser.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const PHONE = { width: 390, height: 844 };

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

async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  }, WCAG_22_AA);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
}

const sideways = (page: Page) => page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) > window.innerWidth);

for (const scheme of ["light", "dark"] as const) {
  describe(`the Webhooks page on a 390 px phone (${scheme})`, () => {
    it("lists endpoints and dead deliveries, replays one, and passes axe", async () => {
      const f = fixture({ followExternalWrites: true });
      const receiver = await startReceiver();
      onCleanup(() => receiver.close());
      const server = await startServer({
        progress: f.progress,
        port: 0,
        dashboardDir: dashboard.dir,
        webhookDelivery: { retry: { maxAttempts: 2, baseDelayMs: 20, jitter: 0 }, pollIntervalMs: 25 },
      });
      onCleanup(() => server.close());
      const url = `${receiver.url}/hooks/a-rather-long-path-that-must-wrap-on-a-phone/${"x".repeat(60)}`;
      const { secret } = await f.progress.backend.webhooks.createEndpoint({
        owner: "ann",
        url,
        events: ["run.progress.started"],
        description: "Ops alerts",
      });
      receiver.secret = secret;
      receiver.respond = () => ({ status: 503, body: "maintenance window: try again after 02:00 UTC" });
      await f.progress.startRun({ owner: "ann", title: "Nightly export" });
      await expect
        .poll(async () => (await f.progress.backend.webhooks.countDeliveries("ann")).dead, { timeout: 10_000 })
        .toBe(1);

      const context = await browser.newContext({ colorScheme: scheme, viewport: PHONE, reducedMotion: "reduce" });
      onCleanup(() => context.close());
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`${server.url}/?token=${await f.tokenFor("ann")}`);
      await page.locator(".run-row").first().waitFor();

      await page.getByRole("link", { name: /^Webhooks/ }).click();
      await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/webhooks");
      const endpoints = page.getByRole("region", { name: "Endpoints" });
      await endpoints.getByText(url).waitFor();
      await expect.poll(() => endpoints.textContent()).toContain("1 dead");
      expect(await endpoints.textContent()).toContain("run.progress.started · Ops alerts");
      const dead = page.getByRole("region", { name: "Dead deliveries" });
      await dead.getByText("maintenance window", { exact: false }).waitFor();
      expect(await dead.textContent()).toContain("2 attempts");
      expect(await sideways(page)).toBe(false);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, `phone-webhooks-${scheme}.png`), fullPage: true });

      receiver.respond = () => 204;
      await dead.getByRole("button", { name: /^Replay run\.progress\.started event / }).click();
      await page
        .getByRole("status")
        .filter({ hasText: /^Replaying event / })
        .waitFor();
      await dead.getByText("None: every delivery went through").waitFor({ timeout: 10_000 });
      await expect.poll(() => receiver.accepted().length, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => endpoints.textContent(), { timeout: 10_000 }).toContain("1 delivered");
      expect(await axe(page)).toEqual([]);

      // A reload on /webhooks lands on the page itself (the server answers client-side routes with the app).
      await page.reload();
      await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
      expect(problems).toEqual([]);
    });
  });
}
