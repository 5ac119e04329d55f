import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
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
