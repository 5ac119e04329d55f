/**
 * `headway serve --automations DIR` as a subprocess: it prints the automations
 * it loaded and the file errors, and with the seed's example file in place (a
 * 2-second threshold, so the test is short) a run left running past its
 * threshold produces exactly one notification, listed over HTTP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { automation, automationsDir, eventually, onCleanup, SLOW_RUNS } from "./helpers.js";

const CLI = ["--import", "tsx", "src/cli/main.ts"];

async function serve(
  args: string[],
): Promise<{ child: ChildProcess; url: string; token: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  await eventually(() => /Press Ctrl-C/.test(output) || child.exitCode !== null, 20_000, "the banner");
  const match = /Dashboard\s+(\S+)\/\?token=(\S+)/.exec(output);
  if (!match) throw new Error(`headway serve printed no URL:\n${output}`);
  return { child, url: match[1]!, token: match[2]!, output: () => output };
}

describe("headway serve --automations", () => {
  it("prints what it loaded and what is broken, and announces a slow run once", async () => {
    const db = tempDatabasePath();
    const dir = automationsDir({
      "slow-runs.md": SLOW_RUNS.replace("5 minutes", "2 seconds"),
      "bad.md": automation("status is runing"),
    });
    const { url, token, output } = await serve([
      "--port",
      "0",
      "--database",
      db,
      "--owner",
      "ann",
      "--automations",
      dir,
    ]);
    expect(output()).toMatch(
      /Automations .*: slow-runs \(no model: agentic ones send their body as written\); 1 file\(s\) with errors, below/,
    );
    // Load errors go to stderr, after the banner on stdout: the two pipes arrive in either order.
    const loadError = `${dir}/bad.md:4:23: condition: status is never 'runing'; it is one of running, succeeded, failed, cancelled`;
    await eventually(() => output().includes(loadError), 10_000, "the load error");

    // An agent in another process writes to the same file.
    const agent = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => agent.close());
    const run = await agent.startRun({ owner: "ann", title: "Index the wiki" });
    const list = async () =>
      (await (
        await fetch(`${url}/_agent-native/notifications`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as { notifications: Array<{ title: string; runId: string; source: string }> };
    const started = Date.now();
    for (let i = 0; Date.now() - started < 3500 && i < 200; i++) {
      await agent.updateRunProgress(run.id, "ann", { percent: i % 100, step: `page ${i}` });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(async () => (await list()).notifications.length > 0, 10_000, "the notification");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await list()).notifications).toEqual([
      expect.objectContaining({
        title: `Notify me that run ${run.id} has been running for a long time.`,
        runId: run.id,
        source: "automation:slow-runs",
      }),
    ]);
    expect(output()).toContain(
      `automations: slow-runs, run ${run.id}: no model configured; delivered the body as written`,
    );
  });

  it("is off with none, and refuses a folder that is not there", async () => {
    const off = await serve(["--port", "0", "--database", tempDatabasePath(), "--automations", "none"]);
    expect(off.output()).toContain("Automations off");
    const missing = await headway([
      "serve",
      "--port",
      "0",
      "--database",
      tempDatabasePath(),
      "--automations",
      "/nope/x",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--automations: "/nope/x" is not a folder');
  });
});
