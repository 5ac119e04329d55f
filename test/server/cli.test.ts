import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { createProgress } from "../../src/progress/index.js";
import { createHeadwayApp } from "../../src/server/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { eventually, listen, onCleanup } from "./helpers.js";

const CLI = ["--import", "tsx", "src/cli/main.ts"];

describe("headway tokens", () => {
  it("creates a token (printed once), lists without secrets, revokes; the server honours each step", async () => {
    const db = tempDatabasePath();
    const created = await headway([
      "tokens",
      "create",
      "--owner",
      "ann@example.com",
      "--label",
      "laptop",
      "--database",
      db,
    ]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^hw_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("it is not shown again");

    const listed = await headway(["tokens", "list", "--json", "--database", db]);
    const [record] = JSON.parse(listed.stdout);
    expect(record).toMatchObject({ owner: "ann@example.com", scope: "read", label: "laptop", revokedAt: null });
    expect(listed.stdout).not.toContain(token);
    const table = await headway(["tokens", "list", "--database", db]);
    expect(table.stdout).toMatch(/tok_\S+\s+ann@example\.com\s+read\s+laptop/);
    expect(table.stdout).not.toContain(token);

    const progress = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => progress.close());
    const app = createHeadwayApp({ progress, dashboardDir: false });
    const ask = () => app.request("/_agent-native/runs", { headers: { Authorization: `Bearer ${token}` } });
    expect((await ask()).status).toBe(200);

    const revoked = await headway(["tokens", "revoke", record.id, "--database", db]);
    expect(revoked).toMatchObject({ code: 0 });
    expect(revoked.stdout).toContain(`Revoked ${record.id}`);
    expect((await ask()).status).toBe(401);
    expect((await headway(["tokens", "list", "--database", db])).stdout).toContain("No tokens.");
  });

  it("creates a token that expires with --expires-in, and lists its expiry", async () => {
    const db = tempDatabasePath();
    const created = await headway([
      "tokens",
      "create",
      "--owner",
      "ann",
      "--expires-in",
      "2h",
      "--json",
      "--database",
      db,
    ]);
    expect(created.code).toBe(0);
    const record = JSON.parse(created.stdout);
    const left = Date.parse(record.expiresAt) - Date.parse(record.createdAt);
    expect(left).toBe(2 * 3_600_000);
    const table = await headway(["tokens", "list", "--database", db]);
    expect(table.stdout).toContain(`active until ${record.expiresAt.slice(0, 16).replace("T", " ")}`);
  });

  it("exits non-zero with the option named on bad input, and stores nothing", async () => {
    const db = tempDatabasePath();
    const cases: Array<[string[], number, string]> = [
      [["tokens", "create"], 2, "--owner is required"],
      [["tokens", "create", "--owner", "ann", "--scope", "admin"], 1, "--scope: must be one of read, agent"],
      [
        ["tokens", "create", "--owner", "ann", "--label", "x".repeat(201)],
        1,
        "--label: must be at most 200 characters",
      ],
      [["tokens", "create", "--owner", "x".repeat(321)], 1, "--owner: must be at most 320 characters"],
      [["tokens", "revoke", "tok_missing"], 1, "no token with id tok_missing"],
      [["tokens", "frobnicate"], 2, 'unknown action "frobnicate"'],
      [["tokens", "list", "--bogus"], 2, "Unknown option '--bogus'"],
      [["tokens", "create", "--owner", "ann", "--expires-in", "soon"], 2, "--expires-in must be a positive number"],
    ];
    for (const [args, code, message] of cases) {
      const result = await headway([...args, "--database", db]);
      expect([args.join(" "), result.code]).toEqual([args.join(" "), code]);
      expect(result.stderr).toContain(message);
    }
    expect(JSON.parse((await headway(["tokens", "list", "--all", "--json", "--database", db])).stdout)).toEqual([]);
  });
});

/** Starts `headway serve` and resolves once it printed its dashboard URL. */
async function serve(
  args: string[],
): Promise<{ child: ChildProcess; url: string; token: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  onCleanup(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  await eventually(() => /Dashboard\s+\S+\?token=\S+/.test(output) || child.exitCode !== null, 20_000, "the URL");
  const match = /Dashboard\s+(\S+)\/\?token=(\S+)/.exec(output);
  if (!match) throw new Error(`headway serve printed no URL:\n${output}`);
  return { child, url: match[1]!, token: match[2]!, output: () => output };
}

describe("headway serve", () => {
  it("prints a dashboard URL with a token, serves live demo runs for that owner, and shuts down cleanly", async () => {
    const db = tempDatabasePath();
    const { child, url, token, output } = await serve([
      "--port",
      "0",
      "--database",
      db,
      "--owner",
      "ann@example.com",
      "--demo",
    ]);
    expect(output()).toContain("Owner       ann@example.com   (demo agent running)");

    const page = await fetch(`${url}/?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Headway");

    const list = async () =>
      (await (
        await fetch(`${url}/_agent-native/runs?active=true`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as {
        runs: Array<{ title: string }>;
      };
    await eventually(async () => (await list()).runs.length >= 3, 10_000, "the demo's runs");
    expect((await list()).runs.map((r) => r.title)).toContain("Triage 128 unread emails");

    const client = listen(`${url}/_agent-native/runs/stream?token=${encodeURIComponent(token)}`, null);
    await client.until(
      (events) => events.filter((e) => e.type === "run.progress.updated").length >= 3,
      10_000,
      "live updates",
    );

    // A write by another process on the same file (the library, as a worker would) reaches the stream.
    const other = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    const outside = await other.startRun({ owner: "ann@example.com", title: "written by another process" });
    await other.close();
    await client.until(
      (events) => events.some((e) => (e.data as HeadwayEvent).run?.id === outside.id),
      5000,
      "the other process's run on the stream",
    );

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    expect(output()).toContain("SIGTERM: shutting down");

    // The demo left nothing running. The printed token is not revoked by a clean stop (that logged every
    // tab out on restart); it is a lease that lapses an hour after the server stopped renewing it.
    const after = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => after.close());
    const running = (await after.listRuns("ann@example.com", { activeOnly: true })).filter((r) => r.id !== outside.id);
    expect(running).toEqual([]);
    const app = createHeadwayApp({ progress: after, dashboardDir: false });
    expect((await app.request("/_agent-native/runs", { headers: { Authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    const [printed] = await after.backend.tokens.list({ owner: "ann@example.com" });
    expect(printed).toMatchObject({ label: "headway serve dashboard", revokedAt: null });
    const left = Date.parse(printed!.expiresAt!) - Date.now();
    expect(left).toBeGreaterThan(50 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);
  });

  it("says which option is wrong, and when the port is taken", async () => {
    const bad = await headway(["serve", "--port", "70000"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--port: must be a whole number from 0 to 65535");
    const origin = await headway([
      "serve",
      "--port",
      "0",
      "--database",
      tempDatabasePath(),
      "--cors-origin",
      "https://a.example/",
    ]);
    expect(origin.code).toBe(2);
    expect(origin.stderr).toContain('--cors-origin: must be an origin like "https://app.example.com"');
    const unknown = await headway(["serve", "--colour"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--colour'");

    const db = tempDatabasePath();
    const first = await serve(["--port", "0", "--database", db, "--owner", "ann"]);
    const port = new URL(first.url).port;
    const clash = await headway(["serve", "--port", port, "--database", tempDatabasePath(), "--owner", "ann"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
  });
});
