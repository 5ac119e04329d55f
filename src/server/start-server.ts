import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { createHeadwayApp } from "./app.js";
import type { HeadwayAppOptions } from "./options.js";
import { createWebhookDispatcher, type WebhookDispatcher } from "./webhooks/dispatcher.js";
import type { WebhookDispatcherOptions } from "./webhooks/dispatcher-options.js";

export interface StartServerOptions extends HeadwayAppOptions {
  /** 0 picks a free port. (Default: 4317) */
  port?: number;
  /** (Default: "127.0.0.1": only this machine) */
  host?: string;
  /** How long `close()` lets streams and requests finish before cutting connections, in ms. (Default: 3000) */
  shutdownGraceMs?: number;
  /**
   * Deliver webhooks from this process: true (the defaults), options for the
   * dispatcher, or false when another process delivers them. Any number of
   * servers on one database may deliver; each event goes out once. (Default: true)
   */
  webhookDelivery?: boolean | WebhookDispatcherOptions;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4317`. */
  readonly url: string;
  readonly port: number;
  /** The webhook dispatcher this server runs, if any. */
  readonly webhooks: WebhookDispatcher | undefined;
  /**
   * Stops accepting connections, ends every stream cleanly (queued frames
   * first), waits for pending writes to commit, then closes. Idempotent.
   * The `progress` instance stays open: it is the caller's.
   */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4317;

/** Serves `createHeadwayApp(options)` on Node's HTTP server. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const {
    port = DEFAULT_PORT,
    host = "127.0.0.1",
    shutdownGraceMs = 3000,
    webhookDelivery = true,
    ...appOptions
  } = options;
  const lifetime = new AbortController();
  options.signal?.addEventListener("abort", () => lifetime.abort(), { once: true });
  const app = createHeadwayApp({ ...appOptions, signal: lifetime.signal });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.on("error", (error) => appOptions.onError?.(error));
  // The server's 'close' comes when its last socket is destroyed, before that socket's handle has closed (and
  // its FIN gone out): close() waits for the sockets too, so a client reconnecting right after finds them gone.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const onError = appOptions.onError ?? ((error: unknown) => console.error("[headway] server error:", error));
  let webhooks: WebhookDispatcher | undefined;
  if (webhookDelivery !== false) {
    const { progress } = options;
    webhooks = createWebhookDispatcher({
      ...(webhookDelivery === true ? {} : webhookDelivery),
      backend: progress.backend,
      // The follower publishes every commit on the database (with followExternalWrites), so the bus is the wake-up.
      wakeOn: (wake) => progress.subscribe(() => wake()),
    });
    webhooks.on("dispatcher:error", onError);
    webhooks.on("feed:gap", ({ after, next }) =>
      onError(new Error(`webhooks: commits ${after + 1}..${next - 1} left the change log before they were enqueued`)),
    );
    try {
      await webhooks.start();
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Writes already submitted commit first, so open streams carry their final states before they end.
      await options.progress.flush();
      lifetime.abort();
      // Streams end a moment after the abort; their keep-alive sockets then sit idle until swept.
      const sweep = setInterval(() => server.closeIdleConnections(), 20);
      server.closeIdleConnections();
      const grace = new Promise<"timeout">((resolve) => setTimeout(resolve, shutdownGraceMs, "timeout").unref());
      if ((await Promise.race([closed, grace])) === "timeout") {
        server.closeAllConnections();
        await closed;
      }
      clearInterval(sweep);
      await Promise.all([...sockets].map((socket) => new Promise((resolve) => socket.once("close", resolve))));
      // Attempts in flight finish (or are given back for another process); the outbox keeps the rest.
      await webhooks?.close();
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${address.port}`, port: address.port, webhooks, close };
}
