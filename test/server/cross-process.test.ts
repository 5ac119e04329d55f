import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { HeadwayEvent } from "../../src/core/index.js";
import { startServer } from "../../src/server/index.js";
import { fixture, listen, onCleanup } from "./helpers.js";

const exec = promisify(execFile);

describe("writes by another process on the same SQLite file", () => {
  it("reach the server's stream clients", async () => {
    // `headway serve` follows other processes' writes; so does this server.
    const { progress, path, tokenFor } = fixture({ followExternalWrites: true });
    const server = await startServer({ progress, port: 0, dashboardDir: false });
    onCleanup(() => server.close());
    const client = listen(`${server.url}/_agent-native/runs/stream`, await tokenFor("ann"));
    await client.until((events) => events.length >= 1, 5000, "the snapshot");

    // A real second process writing through the library (test/helpers/writer-process.ts, mode "once").
    const { stdout } = await exec(process.execPath, [
      "--import",
      "tsx",
      "test/helpers/writer-process.ts",
      path,
      "once",
    ]);
    const id = stdout.trim();
    const received = await client.until(
      (events) => events.some((e) => (e.data as HeadwayEvent).run?.percent === 40),
      5000,
      "the other process's update",
    );
    const envelopes = received.slice(1).map((e) => e.data as HeadwayEvent);
    expect(envelopes.map((e) => e.type)).toEqual(["run.progress.started", "run.progress.updated"]);
    expect(envelopes[1]?.run).toMatchObject({ id, owner: "ann", percent: 40, step: "halfway, elsewhere" });
    expect(received.slice(1).map((e) => e.id)).toEqual(envelopes.map((e) => e.id));
  });
});
