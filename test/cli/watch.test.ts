import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, fixture, onCleanup } from "../server/helpers.js";

function watcher(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += String(chunk);
  });
  onCleanup(() => {
    child.kill("SIGKILL");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe("headway watch", () => {
  it("prints a line per change when stdout is not a terminal, for runs another process writes", async () => {
    const path = tempDatabasePath();
    const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const watch = watcher(process.execPath, [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "watch",
      "--database",
      path,
      "--owner",
      "ann",
    ]);
    await eventually(() => watch.output().includes("Watching"), 10_000, "the watcher to start");
    const run = await progress.startRun({ owner: "ann", title: "Classify 200 documents" });
    await progress.updateRunProgress(run.id, "ann", { percent: 45, step: "Classifying 90/200" });
    await progress.startRun({ owner: "bob", title: "Not ann's" });
    // Another process's commits arrive as the latest state per run, so each step is awaited before the next.
    await eventually(() => watch.output().includes("45% Classify 200 documents — Classifying 90/200"), 5000, "45%");
    await progress.completeRun(run.id, "ann", "succeeded");
    await eventually(() => watch.output().includes("[succeeded]"), 5000, "the completion line");
    expect(watch.output()).not.toContain("Not ann's");
    watch.child.kill("SIGINT");
    expect(await watch.exited).toBe(0);
  });

  it("stops quietly when its reader goes away (`headway watch | head`)", async () => {
    const path = tempDatabasePath();
    const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const run = await progress.startRun({ owner: "ann", title: "Long job", percent: 10 });
    const watch = watcher(process.execPath, [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "watch",
      "--database",
      path,
      "--owner",
      "ann",
    ]);
    let errors = "";
    watch.child.stderr.on("data", (chunk) => {
      errors += String(chunk);
    });
    await eventually(() => watch.output().includes("Watching"), 10_000, "the watcher to start");
    watch.child.stdout.destroy();
    // The next line the watcher writes finds the pipe closed.
    for (let percent = 20; percent <= 90 && watch.child.exitCode === null; percent += 10) {
      await progress.updateRunProgress(run.id, "ann", { percent });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await watch.exited).toBe(0);
    expect(errors).not.toContain("EPIPE");
  });

  it("draws bars in place on a terminal", async () => {
    const path = tempDatabasePath();
    const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const run = await progress.startRun({
      owner: "ann",
      title: "Triage 128 unread emails",
      percent: 45,
      step: "Reading 58/128",
    });
    // `script` gives the watcher a pseudo-terminal, so it takes its TTY path.
    const command = `${process.execPath} --import tsx src/cli/main.ts watch --database ${path} --owner ann`;
    const watch = watcher("script", ["-qfec", command, "/dev/null"]);
    await eventually(() => watch.output().includes("Reading 58/128"), 10_000, "the bar");
    expect(watch.output()).toMatch(/Triage 128 unread emails\s+█+░+\s+45%/);
    await progress.updateRunProgress(run.id, "ann", { percent: 80, step: "Reading 102/128" });
    await eventually(() => watch.output().includes("Reading 102/128"), 5000, "the redraw");
    expect(watch.output()).toContain("\u001b["); // redrawn in place with cursor moves, not appended lines
    await progress.completeRun(run.id, "ann", "succeeded");
    await eventually(() => watch.output().includes("succeeded"), 5000, "the final status");
    // Shown once, then the run leaves and the idle line takes its place.
    const afterFinish = () => watch.output().slice(watch.output().lastIndexOf("succeeded"));
    await eventually(() => afterFinish().includes("No active runs"), 8000, "the finished run to leave");
  });

  it("--once prints the active runs and exits", async () => {
    const path = tempDatabasePath();
    const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    await progress.startRun({ owner: "ann", title: "Nightly import", percent: 10 });
    const done = await progress.startRun({ owner: "ann", title: "Finished" });
    await progress.completeRun(done.id, "ann", "succeeded");
    const once = await headway(["watch", "--once", "--database", path, "--owner", "ann"]);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain(" 10% Nightly import");
    expect(once.stdout).not.toContain("Finished");
  });

  it("shows the time left by the clients' rule: a countdown, none for a stale run or one waiting for a person", async () => {
    const path = tempDatabasePath();
    const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const steady = await progress.startRun({ owner: "ann", title: "Steady import", percent: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await progress.updateRunProgress(steady.id, "ann", { percent: 12 });
    await progress.startRun({ owner: "ann", title: "Approve refunds", percent: 50, state: "action_required" });
    const quiet = await progress.startRun({ owner: "ann", title: "Quiet crawl", percent: 30 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await progress.updateRunProgress(quiet.id, "ann", { percent: 40 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The server's watchdog, one look with a short threshold: runs silent for 40 ms are stale.
    await progress.checkSilentRuns({ staleAfterMs: 40, abandonAfterMs: 3_600_000 });
    expect((await progress.getRun(quiet.id, "ann"))?.attention).toBe("stale");
    await progress.updateRunProgress(steady.id, "ann", { step: "Reading batch 2" }); // alive again, same percent

    const once = await headway(["watch", "--once", "--database", path, "--owner", "ann"]);
    expect(once.code).toBe(0);
    const line = (title: string) => once.stdout.split("\n").find((l) => l.includes(title)) ?? "";
    expect(line("Steady import")).toMatch(/ 12% Steady import — Reading batch 2 \(\d+s, about [\dhms ]+ left\)$/);
    expect(line("Quiet crawl")).toMatch(/ 40% Quiet crawl \(\d+s, not responding\)$/);
    expect(line("Approve refunds")).toMatch(/ 50% Approve refunds \(\d+s, needs your input\)$/);
    expect(once.stdout).not.toContain("almost done");
  });

  it("--server watches a running server over SSE, as the token's owner", async () => {
    const { progress, tokenFor } = fixture();
    const server = await startServer({ progress, port: 0, host: "127.0.0.1" });
    onCleanup(() => server.close());
    const token = await tokenFor("ann");
    await progress.startRun({ owner: "ann", title: "Already going", percent: 5 });
    const once = await headway(["watch", "--once", "--server", server.url, "--token", token]);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain("  5% Already going");

    const watch = watcher(process.execPath, [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "watch",
      "--server",
      server.url,
      "--token",
      token,
    ]);
    await eventually(() => watch.output().includes("Watching"), 10_000, "the watcher to start");
    const run = await progress.startRun({ owner: "ann", title: "Summarise the inbox" });
    await progress.startRun({ owner: "bob", title: "Not ann's" });
    await progress.updateRunProgress(run.id, "ann", { percent: 60, step: "Summarising 6/10" });
    await eventually(() => watch.output().includes("60% Summarise the inbox — Summarising 6/10"), 5000, "60%");
    await progress.completeRun(run.id, "ann", "failed", { step: "Mail server went away" });
    await eventually(() => watch.output().includes("[failed]"), 5000, "the failure line");
    expect(watch.output()).not.toContain("Not ann's");
    watch.child.kill("SIGINT");
    expect(await watch.exited).toBe(0);
  });

  it("--server refuses to start without a token, and says a bad one is refused", async () => {
    const { progress } = fixture();
    const server = await startServer({ progress, port: 0, host: "127.0.0.1" });
    onCleanup(() => server.close());
    const missing = await headway(["watch", "--once", "--server", server.url], { HEADWAY_TOKEN: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--token: required with --server");
    const wrong = await headway(["watch", "--once", "--server", server.url, "--token", "hw_not_a_token"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/headway watch: .*(401|token|unauthori)/i);
    await server.close();
    const down = await headway(["watch", "--once", "--server", server.url, "--token", "hw_any"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`headway watch: cannot reach ${server.url}: connect ECONNREFUSED`);
  });
});
