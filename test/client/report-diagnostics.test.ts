import { describe, expect, it } from "vitest";
import { createHeadwayClient, type HeadwayClientError, receivedAt } from "../../src/client/index.js";
import { serveRuns } from "./helpers.js";

describe("client.reportDiagnostics against a real server", () => {
  it("posts what the page measured and gets the run as stored; says why when the server refuses", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const client = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("ann") });
    const run = await progress.startRun({ owner: "ann", title: "Answer" });

    const stored = await client.reportDiagnostics(run.id, { firstTextToPaintMs: 18.7, submitToFirstTextMs: 950 });
    expect(stored.diagnostics).toMatchObject({ firstTextToPaintMs: 19, submitToFirstTextMs: 950 });
    // Every run the client parses is stamped with when it reached the page (what first_text_to_paint counts from).
    expect(receivedAt(stored)).toEqual(expect.any(Number));
    expect(receivedAt((await client.get(run.id))!)).toEqual(expect.any(Number));

    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: HeadwayClientError) => error,
      );
    const bad = await refusal(client.reportDiagnostics(run.id, { firstTextToPaintMs: -1 }));
    expect(bad).toMatchObject({ status: 400, code: "validation_error" });
    expect(bad?.message).toContain("firstTextToPaintMs: must be a finite number of milliseconds from 0 to 604800000");

    const bob = createHeadwayClient({ baseUrl: server.url, token: await tokenFor("bob") });
    expect(await refusal(bob.reportDiagnostics(run.id, { firstTextToPaintMs: 5 }))).toMatchObject({
      status: 404,
      code: "run_not_found",
    });
    await progress.completeRun(run.id, "ann", "succeeded");
    expect(await refusal(client.reportDiagnostics(run.id, { firstTextToPaintMs: 5 }))).toMatchObject({
      status: 409,
      code: "run_terminal",
    });
  });
});
