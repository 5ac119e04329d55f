import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory with a database path in it, removed after the test. */
export function tempDatabasePath(name = "headway.db"): string {
  const dir = mkdtempSync(join(tmpdir(), "headway-test-"));
  dirs.push(dir);
  return join(dir, name);
}
