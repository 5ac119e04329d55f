/**
 * Takes the README's screenshots: the dashboard over a seeded owner, on a
 * desktop (1440×900) and a phone (390×844), light and dark, in headless
 * Chromium. Run from the repository root:
 *
 *   node --import tsx web/scripts/screenshots.ts
 *
 * Writes PNGs to docs/screenshots/.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";
import { build } from "vite";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";

const out = join(process.cwd(), "docs/screenshots");
const work = join(tmpdir(), `headway-shots-${process.pid}`);
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });

await build({
  configFile: join(process.cwd(), "web/vite.config.ts"),
  logLevel: "warn",
  build: { outDir: join(work, "dashboard"), emptyOutDir: true, sourcemap: false },
});
// The server's watchdog, with a short threshold so one run in the shots has gone silent ("Not responding").
const progress = createProgress({
  databaseUrl: join(work, "runs.db"),
  sweepIntervalMs: 0,
  watchdog: { staleAfterMs: 5000, abandonAfterMs: 3_600_000, intervalMs: 250 },
});
const tokens = progress.backend.tokens;
if (!tokens) throw new Error("the SQLite store keeps tokens");
const { token } = await tokens.create({ owner: "ann@example.com", scope: "read" });
const owner = "ann@example.com";

// What an owner's morning looks like.
const crawl = await progress.startRun({
  owner,
  title: "Crawl the help centre",
  percent: 10,
  step: "Article 12 of 120",
});
await sleep(600);
await progress.updateRunProgress(crawl.id, owner, { percent: 18, step: "Article 22 of 120" }); // then nothing more
const old = await progress.startRun({ owner, title: "Export monthly report", percent: 0 });
for (const percent of [25, 60, 100]) {
  await sleep(80);
  await progress.updateRunProgress(old.id, owner, { percent, step: `Writing section ${percent / 25 + 1}` });
}
await progress.completeRun(old.id, owner, "succeeded");
const failed = await progress.startRun({ owner, title: "Sync 3 calendars", percent: 5, step: "Work calendar" });
for (const percent of [20, 35, 40]) {
  await sleep(700); // the store keeps a progress point a second at most: spaced out, the chart has a shape
  await progress.updateRunProgress(failed.id, owner, { percent, step: `Google calendar: ${percent * 3} events` });
}
await progress.completeRun(failed.id, owner, "failed", { step: "Calendar API returned 503 after 3 retries" });
const parent = await progress.startRun({ owner, title: "Research competitors for the Q3 pricing review" });
const a = await progress.startRun({ owner, title: "Sub-agent: collect public price lists", parentId: parent.id });
const b = await progress.startRun({ owner, title: "Sub-agent: summarise analyst notes", parentId: parent.id });
const triage = await progress.startRun({ owner, title: "Triage 128 unread emails", percent: 30, step: "Reading" });
for (let i = 1; i <= 6; i++) {
  await sleep(1000); // a realistic pace, so the time left reads like one (and the charts have points)
  // A few percent a second: minutes rather than seconds left, so the shots show a countdown, not "almost done".
  await progress.updateRunProgress(a.id, owner, { percent: 30 + i * 3, step: `Reading page ${i + 2} of 8` });
  await progress.updateRunProgress(b.id, owner, { percent: 10 + i * 2, step: `Note ${i + 1} of 14` });
  await progress.updateRunProgress(triage.id, owner, { percent: 30 + i, step: `Classifying ${38 + i}/128` });
}
await progress.startRun({
  owner,
  title: "Approve the refund batch",
  state: "action_required",
  step: "12 refunds over $500 wait for your approval",
});

// The runs still at work keep reporting while the shots are taken; the crawl stays silent until the watchdog says so.
const working = [parent.id, a.id, b.id, triage.id];
const alive = setInterval(() => {
  for (const id of working) void progress.heartbeat(id, owner).catch(() => {});
}, 1000);
while ((await progress.getRun(crawl.id, owner))?.attention !== "stale") await sleep(250);

const server = await startServer({ progress, port: 0, host: "127.0.0.1", dashboardDir: join(work, "dashboard") });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const shots = [
    { name: "desktop-light-runs", viewport: { width: 1440, height: 900 }, scheme: "light", path: "/" },
    { name: "desktop-dark-run", viewport: { width: 1440, height: 900 }, scheme: "dark", path: `/runs/${parent.id}` },
    { name: "phone-light-runs", viewport: { width: 390, height: 844 }, scheme: "light", path: "/", tray: true },
    { name: "phone-dark-run", viewport: { width: 390, height: 844 }, scheme: "dark", path: `/runs/${failed.id}` },
  ] as const;
  for (const shot of shots) {
    const context = await browser.newContext({
      viewport: shot.viewport,
      colorScheme: shot.scheme,
      deviceScaleFactor: shot.viewport.width < 500 ? 2 : 1,
    });
    const page = await context.newPage();
    await page.goto(`${server.url}${shot.path}?token=${token}`);
    await page.locator(".connection", { hasText: "Live" }).waitFor();
    await page
      .locator(shot.path === "/" ? ".run-row" : ".progress-card")
      .first()
      .waitFor();
    if ("tray" in shot) {
      await page.getByRole("button", { name: /in progress$/ }).click();
      await page.getByRole("dialog").waitFor();
    }
    await sleep(1200); // histories and counts arrive, bars finish their transition
    await page.screenshot({ path: join(out, `${shot.name}.png`), fullPage: false });
    await context.close();
    console.log(`docs/screenshots/${shot.name}.png`);
  }
} finally {
  clearInterval(alive);
  await browser.close();
  await server.close();
  await progress.close();
  rmSync(work, { recursive: true, force: true });
}
