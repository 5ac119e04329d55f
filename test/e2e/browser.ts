import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";

export const ARTIFACTS = join(process.cwd(), "test-artifacts");

/** Real headless Debian Chromium, with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Builds the dashboard into a temp dir (not dist/, which other builds may be writing); returns it and a remover. */
export async function buildDashboard(): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "headway-dashboard-"));
  await build({
    configFile: join(process.cwd(), "web/vite.config.ts"),
    logLevel: "warn",
    build: { outDir: dir, emptyOutDir: true, sourcemap: false },
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Keeps what a page asked for and heard, with times, so a test that waits too
 * long can say where: each wait gets 20 s (under the test's 30), and the test
 * prints the trail when it fails.
 */
export function recordTraffic(page: Page, baseUrl: string): { step(name: string): void; trail(): string } {
  page.setDefaultTimeout(20_000);
  const started = Date.now();
  const lines: string[] = [];
  const note = (line: string) => lines.push(`${String(Date.now() - started).padStart(6)} ms  ${line}`);
  const path = (url: string) => url.replace(baseUrl, "");
  page.on("request", (request) => note(`→ ${request.method()} ${path(request.url())}`));
  page.on("response", (response) => note(`← ${response.status()} ${path(response.url())}`));
  page.on("requestfailed", (request) => note(`✗ ${path(request.url())}: ${request.failure()?.errorText}`));
  page.on("console", (message) => note(`console.${message.type()}: ${message.text()}`));
  page.on("framenavigated", (frame) => frame === page.mainFrame() && note(`navigated to ${path(frame.url())}`));
  return { step: (name) => note(`— ${name}`), trail: () => lines.join("\n") };
}
