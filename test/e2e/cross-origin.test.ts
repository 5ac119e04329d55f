import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { fixture, onCleanup } from "../server/helpers.js";
import { ARTIFACTS, launchChromium } from "./browser.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let browser: Browser;
let hostDir: string;

beforeAll(async () => {
  hostDir = mkdtempSync(join(tmpdir(), "headway-host-"));
  await build({
    root: join(process.cwd(), "test/e2e/host-page"),
    base: "./",
    logLevel: "warn",
    configFile: false,
    build: { outDir: hostDir, emptyOutDir: true, sourcemap: false },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

/** Serves the built host app from a second origin (another port on 127.0.0.1). */
async function serveHost(): Promise<string> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
  const server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? "/", "http://x").pathname).replace(/^\/+/, "") || "index.html";
    try {
      const body = readFileSync(join(hostDir, path));
      response.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

describe("<RunsTray /> on a page from another origin", () => {
  it("shows a live tray when the server allows that origin: a run's bar moves as the library updates it", async () => {
    const f = fixture();
    const host = await serveHost();
    const server = await startServer({
      progress: f.progress,
      port: 0,
      host: "127.0.0.1",
      dashboardDir: false,
      corsOrigins: [host],
    });
    onCleanup(() => server.close());
    const run = await f.progress.startRun({ owner: "ann", title: "Classify 200 documents", percent: 10 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    onCleanup(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${host}/#api=${encodeURIComponent(server.url)}&token=${await f.tokenFor("ann")}`);
    const trigger = page.getByRole("button", { name: "1 run in progress" });
    await trigger.waitFor();
    await trigger.click();
    const bar = page.getByRole("dialog", { name: "In progress" }).getByRole("progressbar");
    await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("10");
    await f.progress.updateRunProgress(run.id, "ann", { percent: 64, step: "Classifying 128/200" });
    await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("64");
    // Cancel works across origins too (a POST with a preflight).
    await page.getByRole("button", { name: "Cancel Classify 200 documents" }).click();
    await page.getByRole("button", { name: "Stop Classify 200 documents" }).click();
    await expect.poll(async () => (await f.progress.getRun(run.id, "ann"))?.cancelRequested).toBe(true);
    expect(problems).toEqual([]);
  });

  it("shows the bell and toasts live from the other origin, and marks read across it", async () => {
    const f = fixture();
    const host = await serveHost();
    const server = await startServer({
      progress: f.progress,
      port: 0,
      host: "127.0.0.1",
      dashboardDir: false,
      corsOrigins: [host],
    });
    onCleanup(() => server.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    onCleanup(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${host}/#api=${encodeURIComponent(server.url)}&token=${await f.tokenFor("ann")}`);
    const bell = page.getByRole("button", { name: /^Notifications, / });
    await expect.poll(() => bell.getAttribute("aria-label")).toBe("Notifications, none unread");
    // Once the stream is open (the bell reads the list again then), a notification comes live.
    await page.waitForTimeout(500);
    await f.progress.notify("ann", { title: "Nightly export finished", body: "412 rows", severity: "info" });
    await expect.poll(() => bell.getAttribute("aria-label")).toBe("Notifications, 1 unread");
    await page.locator(".hw-toast", { hasText: "Nightly export finished" }).waitFor();
    await bell.click();
    await page.getByRole("button", { name: "Mark read: Nightly export finished" }).click();
    await expect.poll(async () => (await f.progress.listNotifications("ann")).unreadCount).toBe(0);
    expect(problems).toEqual([]);
  });

  it("says progress is unavailable when the server does not allow that origin, instead of showing nothing", async () => {
    const f = fixture();
    // No allowed origins configured: the browser refuses every cross-origin answer.
    const server = await startServer({ progress: f.progress, port: 0, host: "127.0.0.1", dashboardDir: false });
    onCleanup(() => server.close());
    await f.progress.startRun({ owner: "ann", title: "Running, but not for this origin" });
    const host = await serveHost();
    expect(new URL(host).origin).not.toBe(new URL(server.url).origin);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    onCleanup(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${host}/#api=${encodeURIComponent(server.url)}&token=${await f.tokenFor("ann")}`);
    const trigger = page.getByRole("button", { name: "Progress unavailable" });
    await trigger.waitFor();
    await trigger.click();
    const panel = page.getByRole("dialog", { name: "In progress" });
    expect(await panel.getByRole("alert").textContent()).toMatch(/^Progress is unavailable: /);
    const box = await panel.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`has no serious axe-core finding with its own palette (a host without shadcn tokens), ${scheme}`, async () => {
      const f = fixture();
      const host = await serveHost();
      const server = await startServer({
        progress: f.progress,
        port: 0,
        host: "127.0.0.1",
        dashboardDir: false,
        corsOrigins: [host],
      });
      onCleanup(() => server.close());
      await f.progress.startRun({
        owner: "ann",
        title: "Classify 200 documents",
        percent: 45,
        step: "Classifying 90/200",
      });
      await f.progress.startRun({ owner: "ann", title: "Approve the refund batch", state: "action_required" });
      const context = await browser.newContext({ viewport: { width: 390, height: 700 }, colorScheme: scheme });
      onCleanup(() => context.close());
      const page = await context.newPage();
      await page.goto(`${host}/#api=${encodeURIComponent(server.url)}&token=${await f.tokenFor("ann")}`);
      await page.getByRole("button", { name: "2 runs in progress" }).click();
      await page.getByRole("dialog", { name: "In progress" }).getByRole("progressbar").first().waitFor();
      await page.getByRole("button", { name: "Cancel Classify 200 documents" }).click();
      await page.waitForTimeout(350);
      await page.screenshot({ path: join(ARTIFACTS, `host-page-tray-${scheme}.png`) });
      await page.addScriptTag({ path: AXE });
      const findings = (selector: string) =>
        page.evaluate(async (within) => {
          // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
          const result = await (window as any).axe.run(within, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
          });
          return (result.violations as Array<{ id: string; impact: string; nodes: unknown[] }>)
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.nodes.length})`);
        }, selector);
      expect(await findings(".hw-tray")).toEqual([]);

      // The bell's list and toasts, in the same palette of its own.
      await page.keyboard.press("Escape");
      await page.keyboard.press("Escape");
      await f.progress.notify("ann", { title: "Failed: Sync 3 calendars", body: "503", severity: "critical" });
      await f.progress.notify("ann", { title: "Needs you: Approve refunds", severity: "warning" });
      await f.progress.notify("ann", { title: "Nightly export finished", body: "412 rows", severity: "info" });
      const bell = page.getByRole("button", { name: /^Notifications, / });
      await expect.poll(() => bell.getAttribute("aria-label")).toBe("Notifications, 3 unread");
      await bell.click();
      await page.getByRole("dialog", { name: "Notifications" }).getByRole("listitem").first().waitFor();
      await page.waitForTimeout(350);
      await page.screenshot({ path: join(ARTIFACTS, `host-page-bell-${scheme}.png`) });
      expect(await findings(".hw-bell")).toEqual([]);
      if ((await page.locator(".hw-toast").count()) > 0) expect(await findings(".hw-toaster")).toEqual([]);
    });
  }
});
