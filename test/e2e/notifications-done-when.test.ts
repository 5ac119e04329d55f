/**
 * Issue 11's "done when", end to end, with every part real: `headway serve`'s
 * pieces (server, webhook dispatcher, built-in rules, automations engine,
 * watchdog) on one SQLite file, the seed's automation file (its threshold
 * shortened from 5 minutes to 2 seconds), a webhook receiver that verifies
 * every signature, and the dashboard in Chromium.
 *
 * - A run left running past the threshold produces exactly one notification:
 *   on the bell, as a toast, and on the receiver — however long it keeps running.
 * - A run whose agent died is flagged stale, then failed as abandoned, and its
 *   owner is told once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAutomations } from "../../src/automations/index.js";
import type { HeadwayEvent } from "../../src/core/index.js";
import { notifyOnOutcomes } from "../../src/notifications/index.js";
import { startServer } from "../../src/server/index.js";
import { verifyWebhook } from "../../src/webhooks/index.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { ARTIFACTS, buildDashboard, launchChromium } from "./browser.js";

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

/** A webhook receiver on 127.0.0.1 that keeps only what verifies against `secret`. */
async function receiver() {
  let secret = "";
  const verified: HeadwayEvent[] = [];
  const refused: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        verified.push(
          verifyWebhook(secret, request.headers as IncomingHttpHeaders & Record<string, string>, Buffer.concat(chunks)),
        );
        response.writeHead(204).end();
      } catch (error) {
        refused.push((error as Error).message);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/headway`,
    verified,
    refused,
    useSecret: (value: string) => {
      secret = value;
    },
  };
}

const bell = (page: Page) => page.getByRole("button", { name: /^Notifications, / });
const toasts = (page: Page) => page.locator(".hw-toast");

describe("issue 11, done when", () => {
  it("a slow run is announced once everywhere; a dead agent's run goes stale, is abandoned, and its owner hears once", async () => {
    const f = fixture({ watchdog: { staleAfterMs: 1500, abandonAfterMs: 5000, intervalMs: 100 } });
    const { progress } = f;
    const hooks = await receiver();
    const server = await startServer({
      progress,
      port: 0,
      host: "127.0.0.1",
      dashboardDir: dashboard.dir,
      webhookDelivery: { pollIntervalMs: 50 },
    });
    onCleanup(() => server.close());
    const rules = notifyOnOutcomes(progress, { intervalMs: 50 });
    onCleanup(() => rules.close());

    // The seed's file, as written, but for the threshold.
    const dir = dirname(tempDatabasePath("unused.db"));
    const seed = readFileSync(join(process.cwd(), "examples/automations/slow-runs.md"), "utf8");
    expect(seed).toContain("(now - started) > 5 minutes");
    writeFileSync(join(dir, "slow-runs.md"), seed.replace("5 minutes", "2 seconds"));
    const automations = await runAutomations(progress, { dir, timerIntervalMs: 100, feedIntervalMs: 50, watch: false });
    onCleanup(() => automations.close());
    await automations.idle();
    expect(automations.errors()).toEqual([]);

    const { secret } = await progress.backend.webhooks.createEndpoint({
      owner: "ann",
      url: hooks.url,
      events: ["notification.created"],
    });
    hooks.useSecret(secret);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: "reduce" });
    onCleanup(() => context.close());
    const page = await context.newPage();
    await page.goto(`${server.url}/?token=${await f.tokenFor("ann")}`);
    await expect.poll(() => page.locator(".connection").textContent()).toBe("Live");
    await expect.poll(() => bell(page).getAttribute("aria-label")).toBe("Notifications, none unread");

    // A run that keeps working (so the watchdog leaves it alone) past the 2 s threshold.
    const slow = await progress.startRun({ owner: "ann", title: "Classify 200 documents", step: "Starting" });
    const working = setInterval(() => {
      void progress.updateRunProgress(slow.id, "ann", { step: `Classifying ${Date.now() % 200}/200` });
    }, 300);
    onCleanup(() => clearInterval(working));
    const aboutSlow = (events: HeadwayEvent[]) =>
      events.filter((e) => e.type === "notification.created" && e.payload.runId === slow.id);

    await expect.poll(() => bell(page).getAttribute("aria-label"), { timeout: 15_000 }).toBe("Notifications, 1 unread");
    await expect.poll(() => toasts(page).count()).toBe(1);
    expect(await toasts(page).first().textContent()).toContain(`run ${slow.id} has been running for a long time`);
    await expect.poll(() => aboutSlow(hooks.verified).length, { timeout: 10_000 }).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "done-when-slow-run.png") });

    // It keeps running and keeps writing, and the timer keeps looking: still one.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    clearInterval(working);
    await automations.idle();
    const annsAboutSlow = (await progress.listNotifications("ann")).notifications.filter((n) => n.runId === slow.id);
    expect(annsAboutSlow).toHaveLength(1);
    expect(annsAboutSlow[0]).toMatchObject({ source: "automation:slow-runs" });
    expect(aboutSlow(hooks.verified)).toHaveLength(1);
    await progress.completeRun(slow.id, "ann", "succeeded");

    // An agent that died: its run says nothing more after starting.
    const dead = await progress.startRun({ owner: "ann", title: "Sync 3 calendars", step: "Fetching" });
    await expect
      .poll(async () => (await progress.getRun(dead.id, "ann"))?.attention, { timeout: 10_000 })
      .toBe("stale");
    expect((await progress.getRun(dead.id, "ann"))?.status).toBe("running");
    await expect.poll(async () => (await progress.getRun(dead.id, "ann"))?.status, { timeout: 15_000 }).toBe("failed");
    const failed = await progress.getRun(dead.id, "ann");
    expect(failed?.step).toMatch(/^Abandoned after 1 minute without progress$/);

    const abandoned = (events: HeadwayEvent[]) =>
      events.filter(
        (e) =>
          e.type === "notification.created" && e.payload.runId === dead.id && e.payload.source === "rule:run-abandoned",
      );
    await expect.poll(() => abandoned(hooks.verified).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator(".hw-toast", { hasText: "Abandoned: Sync 3 calendars" }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "done-when-abandoned.png") });
    await rules.idle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const aboutDead = (await progress.listNotifications("ann")).notifications.filter((n) => n.runId === dead.id);
    expect(aboutDead.filter((n) => n.source === "rule:run-abandoned")).toHaveLength(1);
    expect(abandoned(hooks.verified)).toHaveLength(1);
    // Nothing failed verification, and nothing reached another owner.
    expect(hooks.refused).toEqual([]);
    expect((await progress.listNotifications("bob")).notifications).toEqual([]);
  });
});
