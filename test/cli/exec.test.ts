import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, onCleanup } from "../server/helpers.js";

function reader(path: string) {
  const progress = createProgress({ databaseUrl: path, sweepIntervalMs: 0 });
  onCleanup(() => progress.close());
  return progress;
}

function spawnExec(path: string, script: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "exec",
      "--database",
      path,
      "--owner",
      "ann",
      "--title",
      "Long job",
      "--",
      "node",
      "-e",
      script,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  onCleanup(() => {
    child.kill("SIGKILL");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited };
}

// Source for `node -e`: prints "1/1000 working", "2/1000 working", … until stopped.
const LONG = "let i = 0; setInterval(() => console.log(++i + '/1000 working'), 50);";

describe("headway exec", () => {
  it("runs the command as a run: output passes through, percent and step come from it, exit 0 succeeds", async () => {
    const path = tempDatabasePath();
    const script = "console.log('downloading 10%'); console.log('3/4 parsed'); console.log('all done');";
    const result = await headway([
      "exec",
      "--database",
      path,
      "--owner",
      "ann",
      "--title",
      "Import",
      "--",
      "node",
      "-e",
      script,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("downloading 10%\n3/4 parsed\nall done\n");
    const [run] = await reader(path).listRuns("ann");
    expect(run).toMatchObject({ title: "Import", status: "succeeded", percent: 100, step: "all done" });
  });

  it("keeps the step when a line is only the figure", async () => {
    const path = tempDatabasePath();
    const script = "console.log('Reading files'); console.log('40%'); console.log('[3/4]');";
    const result = await headway(["exec", "--database", path, "--owner", "ann", "--", "node", "-e", script]);
    expect(result.code).toBe(0);
    const [run] = await reader(path).listRuns("ann");
    expect(run).toMatchObject({ status: "succeeded", step: "Reading files" });
  });

  it("fails the run with the exit code and the last line, and exits with the command's code", async () => {
    const path = tempDatabasePath();
    const script = "console.log('50%'); console.error('disk full'); process.exit(3);";
    const result = await headway(["exec", "--database", path, "--owner", "ann", "--", "node", "-e", script]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("disk full");
    const [run] = await reader(path).listRuns("ann");
    expect(run).toMatchObject({ status: "failed", percent: 50, step: "Exited with code 3: disk full" });
    expect(run?.title).toContain("node -e");
  });

  it("on Ctrl-C stops the command and completes the run as cancelled", async () => {
    const path = tempDatabasePath();
    const { child, exited } = spawnExec(path, LONG);
    const progress = reader(path);
    await eventually(async () => ((await progress.listRuns("ann"))[0]?.percent ?? 0) > 0, 10_000, "the run to move");
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ status: "cancelled" });
  });

  it("lets a command clean up on Ctrl-C: no SIGTERM on top, and the run is cancelled even though it exits 0", async () => {
    const path = tempDatabasePath();
    const cleanup =
      "process.on('SIGINT', () => setTimeout(() => { console.log('cleaned up'); process.exit(0); }, 300));";
    const { child, exited } = spawnExec(
      path,
      `process.on('SIGTERM', () => console.log('got SIGTERM')); ${cleanup} ${LONG}`,
    );
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
    });
    const progress = reader(path);
    await eventually(async () => ((await progress.listRuns("ann"))[0]?.percent ?? 0) > 0, 10_000, "the run to move");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).toContain("cleaned up");
    expect(output).not.toContain("got SIGTERM");
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ status: "cancelled" });
  });

  it("a second Ctrl-C stops a command that ignores the first", async () => {
    const path = tempDatabasePath();
    const { child, exited } = spawnExec(path, `process.on('SIGINT', () => console.log('ignoring Ctrl-C')); ${LONG}`);
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
    });
    const progress = reader(path);
    await eventually(async () => ((await progress.listRuns("ann"))[0]?.percent ?? 0) > 0, 10_000, "the run to move");
    child.kill("SIGINT");
    await eventually(() => output.includes("ignoring Ctrl-C"), 5000, "the command to shrug off Ctrl-C");
    expect(child.exitCode).toBeNull();
    child.kill("SIGINT");
    expect(await exited).toBe(137);
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ status: "cancelled" });
  });

  it("stops the command when someone presses cancel on the dashboard", async () => {
    const path = tempDatabasePath();
    const { exited } = spawnExec(path, LONG);
    const progress = reader(path);
    await eventually(async () => ((await progress.listRuns("ann"))[0]?.percent ?? 0) > 0, 10_000, "the run to move");
    const [started] = await progress.listRuns("ann");
    await progress.requestCancel(started?.id as string, "ann");
    expect(await exited).toBe(143);
    expect(await progress.getRun(started?.id as string, "ann")).toMatchObject({
      status: "cancelled",
      cancelRequested: true,
    });
  });

  it("merges fast output into a few writes, the last line always landing, and clips an overlong step", async () => {
    const path = tempDatabasePath();
    const script = "for (let i = 1; i <= 2000; i++) console.log('item ' + i + '/2000'); console.log('x'.repeat(600));";
    const result = await headway(["exec", "--database", path, "--owner", "ann", "--", "node", "-e", script]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toHaveLength(2002);
    const progress = reader(path);
    const [run] = await progress.listRuns("ann");
    expect(run).toMatchObject({ status: "succeeded", percent: 100 });
    expect(run?.step).toBe(`${"x".repeat(499)}…`);
    // Start and completion, plus one write per 250 ms of output: nowhere near one per line.
    expect(run?.version).toBeLessThan(20);
  });

  it("names a command that cannot be run, and a signal that killed one", async () => {
    const path = tempDatabasePath();
    const missing = await headway(["exec", "--database", path, "--owner", "ann", "--", "no-such-command-here"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("cannot run no-such-command-here: command not found");
    const killed = await headway([
      "exec",
      "--database",
      path,
      "--owner",
      "ann",
      "--",
      "bash",
      "-c",
      "echo 30%; kill -KILL $$",
    ]);
    expect(killed.code).toBe(137);
    const steps = (await reader(path).listRuns("ann")).map((run) => `${run.status}: ${run.step}`);
    expect(steps).toContain("failed: Exited with code 127: Cannot run no-such-command-here: command not found");
    expect(steps).toContain("failed: Killed by SIGKILL");
  });

  it("says what is wrong with its options", async () => {
    const noCommand = await headway(["exec", "--database", tempDatabasePath()]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("no command given");
    const longTitle = await headway([
      "exec",
      "--title",
      "t".repeat(201),
      "--database",
      tempDatabasePath(),
      "--",
      "true",
    ]);
    expect(longTitle.code).toBe(1);
    expect(longTitle.stderr).toContain("title: must be at most 200 characters");
  });
});
