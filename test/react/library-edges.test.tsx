// @vitest-environment jsdom
import { serve } from "@hono/node-server";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { createHeadwayClient } from "../../src/client/index.js";
import { RunsTray } from "../../src/react/index.js";
import { BASE, serveRuns, serveWithoutStream } from "../client/helpers.js";
import { onCleanup } from "../server/helpers.js";

afterEach(() => cleanup());

const trigger = () => screen.queryByRole("button", { name: /in progress|Progress unavailable/ });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real HTTP server on 127.0.0.1 that answers the runs API with bodies Headway never sends. */
async function serveOddly(app: Hono): Promise<string> {
  return new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    onCleanup(() => new Promise<void>((done) => server.close(() => done())));
  });
}

describe("headway/react as a library", () => {
  it("pollMs={0} never polls: it streams, and sends no list requests at all", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    const run = await progress.startRun({ owner: "ann", title: "Streamed, not polled" });
    const urls: string[] = [];
    const client = createHeadwayClient({
      baseUrl: server.url,
      token: await tokenFor("ann"),
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    render(<RunsTray client={client} pollMs={0} />);
    await waitFor(() => expect(trigger()).not.toBeNull());
    await act(() => progress.updateRunProgress(run.id, "ann", { percent: 30 }));
    await pause(300);
    // Before, pollMs={0} was a poll every 0 ms: hundreds of list requests in this window.
    expect(urls.filter((url) => url.includes("active=true"))).toEqual([]);
    expect(urls.filter((url) => url.includes("/stream")).length).toBe(1);
  });

  it("pollMs={0} does not fall back to polling when the stream is refused by a proxy", async () => {
    const { progress, server, tokenFor } = await serveRuns();
    await progress.startRun({ owner: "ann", title: "Behind a proxy" });
    const urls: string[] = [];
    const client = createHeadwayClient({
      baseUrl: server.url,
      token: await tokenFor("ann"),
      fetch: (input, init) => {
        urls.push(String(input));
        if (String(input).includes("/stream")) return Promise.resolve(new Response("no streaming", { status: 503 }));
        return fetch(input, init);
      },
    });
    render(<RunsTray client={client} pollMs={0} />);
    await pause(400);
    expect(urls.filter((url) => url.includes("active=true"))).toEqual([]);
    // The stream is retried with backoff (250 ms, then longer), not in a hot loop.
    expect(urls.filter((url) => url.includes("/stream")).length).toBeLessThanOrEqual(3);
  });

  it("a stream a proxy refuses, with polling that works, never flashes the error state", async () => {
    const { progress, url, tokenFor } = await serveWithoutStream();
    await progress.startRun({ owner: "ann", title: "Polled behind a proxy" });
    const seen: string[] = [];
    const observer = new MutationObserver(() => {
      const label = document.querySelector(".hw-trigger")?.getAttribute("aria-label");
      if (label) seen.push(label);
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    onCleanup(() => observer.disconnect());
    render(<RunsTray baseUrl={url} token={await tokenFor("ann")} />);
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("1 run in progress"));
    expect(seen).not.toContain("Progress unavailable");
  });

  it("a bare array where a page of runs belongs is an error state, not a crash", async () => {
    const app = new Hono();
    app.get(BASE, (c) => c.json([{ id: "x" }]));
    app.get(`${BASE}/stream`, (c) => c.text("not a stream", 503));
    const url = await serveOddly(app);
    const errors: unknown[] = [];
    const onError = (event: ErrorEvent) => errors.push(event.error);
    window.addEventListener("error", onError);
    onCleanup(() => window.removeEventListener("error", onError));
    render(<RunsTray baseUrl={url} pollMs={50} />);
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("Progress unavailable"));
    fireEvent.click(trigger()!);
    expect(screen.getByRole("alert").textContent).toContain("expected { runs: [...], nextCursor }");
    expect(screen.getByRole("alert").textContent).toContain("got an array");
    expect(errors).toEqual([]);
  });

  it("an HTML page where JSON belongs (a dev server's fallback, say) is an error state too", async () => {
    const app = new Hono();
    app.get(`${BASE}`, (c) => c.html("<!doctype html><title>app</title>"));
    app.get(`${BASE}/stream`, (c) => c.html("<!doctype html><title>app</title>"));
    const url = await serveOddly(app);
    render(<RunsTray baseUrl={url} pollMs={50} />);
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("Progress unavailable"));
  });

  it("a refused token shows an error state with the server's reason, and Try again starts over", async () => {
    const { progress, server } = await serveRuns();
    await progress.startRun({ owner: "ann", title: "Hidden behind a bad token" });
    const urls: string[] = [];
    render(
      <RunsTray
        client={createHeadwayClient({
          baseUrl: server.url,
          token: "hw_not_a_token",
          fetch: (input, init) => {
            urls.push(String(input));
            return fetch(input, init);
          },
        })}
      />,
    );
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("Progress unavailable"));
    const asked = urls.length;
    await pause(300);
    expect(urls.length).toBe(asked); // a refusal is not retried by itself
    fireEvent.click(trigger()!);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toMatch(/Progress is unavailable: .+/);
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(urls.length).toBeGreaterThan(asked));
  });

  it("a server that cannot be reached shows an error state instead of nothing", async () => {
    // A closed port refuses connections: fetch fails as it does on a wrong origin or a CORS refusal.
    const { server } = await serveRuns();
    await server.close();
    render(<RunsTray baseUrl={server.url} />);
    await waitFor(() => expect(trigger()?.getAttribute("aria-label")).toBe("Progress unavailable"));
  });
});
