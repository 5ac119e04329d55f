import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/progress/index.js";
import { startServer } from "../../src/server/index.js";
import { createMcpHttpHandler } from "../../src/tools/index.js";
import { headway } from "../helpers/cli.js";
import { tempDatabasePath } from "../helpers/temp-db.js";
import { fixture, onCleanup } from "../server/helpers.js";

describe("headway manage-progress", () => {
  it("starts, updates, lists and completes against the local database", async () => {
    const db = tempDatabasePath();
    const local = ["--database", db, "--owner", "ann"];
    const started = await headway([
      "manage-progress",
      "--action=start",
      "--title",
      "Nightly import",
      "--json",
      ...local,
    ]);
    expect(started.code).toBe(0);
    const runId = JSON.parse(started.stdout).runId as string;
    const updated = await headway([
      "manage-progress",
      "--action=update",
      "--run-id",
      runId,
      "--percent",
      "45",
      "--step",
      "Importing 450/1000",
      ...local,
    ]);
    expect(updated.stdout).toContain('"Nightly import" (45% — Importing 450/1000)');
    const listed = await headway(["manage-progress", "--action=list", ...local]);
    expect(listed.stdout).toContain(runId);
    expect(
      (await headway(["manage-progress", "--action=complete", "--run-id", runId, "--status", "succeeded", ...local]))
        .code,
    ).toBe(0);
    const afterwards = await headway(["manage-progress", "--action=list", ...local]);
    expect(afterwards.stdout).toContain(`${runId} succeeded`);
    const activeOnly = await headway(["manage-progress", "--action=list", "--active", ...local]);
    expect(activeOnly.stdout).not.toContain(runId);
    expect(activeOnly.stdout).toContain("No runs.");

    const reader = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => reader.close());
    expect(await reader.getRun(runId, "ann")).toMatchObject({ status: "succeeded", percent: 100 });
  });

  it("exits non-zero with a message naming the option or field", async () => {
    const db = tempDatabasePath();
    const local = ["--database", db, "--owner", "ann"];
    const noAction = await headway(["manage-progress", ...local]);
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toContain("--action: required");
    const badPercent = await headway([
      "manage-progress",
      "--action=update",
      "--run-id",
      "x",
      "--percent",
      "abc",
      ...local,
    ]);
    expect(badPercent.code).toBe(2);
    expect(badPercent.stderr).toContain("--percent: must be a number from 0 to 100 written in decimal digits");
    expect(badPercent.stderr).toContain('got "abc"');
    const longTitle = await headway(["manage-progress", "--action=start", "--title", "t".repeat(201), ...local]);
    expect(longTitle.code).toBe(2);
    expect(longTitle.stderr).toContain("title: must be at most 200 characters");
    const missing = await headway([
      "manage-progress",
      "--action=complete",
      "--run-id",
      "nope",
      "--status",
      "failed",
      ...local,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No run nope was found for you");
  });

  it("takes numbers in decimal only, and a negative percent as a value (clamped), not an option", async () => {
    const db = tempDatabasePath();
    const local = ["--database", db, "--owner", "ann"];
    const started = await headway(["manage-progress", "--action=start", "--title", "Numbers", "--json", ...local]);
    const runId = JSON.parse(started.stdout).runId as string;
    const update = ["manage-progress", "--action=update", "--run-id", runId, ...local];
    // Number() would read these as 16, 5, 100, 100 and Infinity.
    for (const text of ["0x10", "0b101", "1e2", "0o144", "Infinity"]) {
      const refused = await headway([...update, "--percent", text]);
      expect(refused.code, text).toBe(2);
      expect(refused.stderr).toContain(`--percent: must be a number from 0 to 100 written in decimal digits`);
      expect(refused.stderr).toContain(`got "${text}"`);
    }
    const reader = createProgress({ databaseUrl: db, sweepIntervalMs: 0 });
    onCleanup(() => reader.close());
    expect(await reader.getRun(runId, "ann")).toMatchObject({ version: 1, percent: null });

    const negative = await headway([...update, "--percent", "-5", "--json"]);
    expect(negative.stderr).toBe("");
    expect(negative.code).toBe(0);
    expect(JSON.parse(negative.stdout).run).toMatchObject({ percent: 0, version: 2 });
    const decimal = await headway([...update, "--percent", "12.6", "--json"]);
    expect(JSON.parse(decimal.stdout).run).toMatchObject({ percent: 13 });

    await headway(["manage-progress", "--action=start", "--title", "Second", ...local]);
    const limited = await headway(["manage-progress", "--action=list", "--limit", "1", "--json", ...local]);
    expect(JSON.parse(limited.stdout).runs).toHaveLength(1);
    const badLimit = await headway(["manage-progress", "--action=list", "--limit", "0x2", ...local]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("--limit: must be a whole number written in decimal digits");
  });

  it("writes through a running server's /mcp endpoint with --server and --token", async () => {
    const fx = fixture();
    const server = await startServer({ progress: fx.progress, port: 0, mcp: createMcpHttpHandler(fx.progress) });
    onCleanup(() => server.close());
    const token = await fx.tokenFor("ann", "agent");
    const remote = ["--server", server.url, "--token", token];
    const started = await headway(["manage-progress", "--action=start", "--title", "Remote", "--json", ...remote]);
    expect(started.code).toBe(0);
    const runId = JSON.parse(started.stdout).runId as string;
    expect(await fx.progress.getRun(runId, "ann")).toMatchObject({ title: "Remote", status: "running" });
    const viaEnv = await headway(["manage-progress", "--action=list", "--server", server.url], {
      HEADWAY_TOKEN: token,
    });
    expect(viaEnv.stdout).toContain(runId);

    const list = ["manage-progress", "--action=list"];
    const unknown = await headway([...list, "--server", server.url, "--token", "hw_nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--token: the token is unknown, revoked or expired");
    const readOnly = await headway([...list, "--server", server.url, "--token", await fx.tokenFor("ann", "read")]);
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toContain("--token: ");
    const notAUrl = await headway([...list, "--server", "localhost-4317", "--token", token]);
    expect(notAUrl.stderr).toContain('--server: must be a URL such as http://127.0.0.1:4317, got "localhost-4317"');
    const wrongPath = await headway([...list, "--server", `${server.url}/elsewhere/`, "--token", token]);
    expect(wrongPath.stderr).toContain("--server: ");
    expect(wrongPath.stderr).toContain("does not serve MCP (HTTP 404)");
  });
});
