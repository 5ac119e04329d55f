import { Hono } from "hono";
import type { AppEnv } from "./app-env.js";
import { authenticate, presentsCredential, requireScope, signInFromUrl, signOut } from "./auth.js";
import { corsMiddleware } from "./cors.js";
import { dashboardRoutes } from "./dashboard.js";
import { errorResponse, HttpError } from "./http-error.js";
import { authFailureLimit, bodySizeLimit, requestRateLimit } from "./limits/limit-middleware.js";
import { createMetrics } from "./metrics.js";
import { notificationsRoutes } from "./notifications-routes.js";
import { type HeadwayAppOptions, resolveAppOptions } from "./options.js";
import { runsRoutes } from "./runs-routes.js";
import { SseHub } from "./sse/sse-hub.js";
import { credentialKey } from "./sse/stream-credential.js";
import { streamRoute } from "./sse/stream-route.js";
import { webhooksRoutes } from "./webhooks/webhooks-routes.js";

/**
 * The whole Headway HTTP surface as one Hono app: the runs API and its live
 * stream under `basePath`, the owner's webhooks under `webhooksPath`, `/mcp`,
 * `/metrics`, `/healthz` and the dashboard at `/`. (Delivering webhooks is
 * `startServer`'s, or a `createWebhookDispatcher` of your own.) Mount it in a host Hono app with `host.route("/", app)`, or serve
 * `app.fetch` from any Node server (see docs/server.md).
 */
export function createHeadwayApp(options: HeadwayAppOptions): Hono<AppEnv> {
  const config = resolveAppOptions(options);
  const { progress, basePath, notificationsPath } = config;
  const hub = new SseHub({
    keepAliveMs: config.keepAliveMs,
    reauthIntervalMs: config.limits.reauthIntervalMs,
    onError: config.onError,
  });
  const metrics = config.metrics ? createMetrics(progress, hub, options.registry) : undefined;
  const streamPath = `${basePath}/stream`;
  // The exact stream route, and no other path, may carry its token in the URL.
  const isStream = (request: Request) => new URL(request.url).pathname === streamPath;
  // Failed sign-ins are limited per client address before the token is checked; the rest per credential after.
  // A request with no credential is no guess: a signed-out dashboard makes a dozen of them per load, and
  // counting them locked it out of its own sign-in prompt. A host's own credentials (resolveOwner) are
  // opaque here, so under it every 401 counts.
  const mayBeGuess = (request: Request) =>
    "resolveOwner" in config.auth || presentsCredential(request, isStream(request));
  const auth = [
    authFailureLimit(config.limits, mayBeGuess),
    authenticate(config.auth, { allowQueryToken: isStream, corsOrigins: config.corsOrigins }),
    requestRateLimit(config.limits, (c) => credentialKey(config.auth, c.req.raw, c.var.owner)),
  ] as const;

  config.signal?.addEventListener(
    "abort",
    () => {
      hub.endAll();
      metrics?.dispose();
    },
    { once: true },
  );

  const app = new Hono<AppEnv>();
  app.onError((error) => errorResponse(error, config.onError));
  app.notFound((c) => new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`).toResponse());
  if (metrics) app.use("*", metrics.middleware);
  // Preflights are answered before limits and auth: browsers send no credentials with them.
  app.use("*", corsMiddleware(config.corsOrigins));
  app.use("*", bodySizeLimit(config.limits));

  app.get("/healthz", async (c) => {
    await progress.store.currentCommitSeq(); // proves the store answers
    return c.json({ ok: true });
  });
  if (metrics) {
    app.get("/metrics", async () => {
      const text = await metrics.registry.metrics();
      return new Response(text, { headers: { "Content-Type": metrics.registry.contentType } });
    });
  }

  app.use(basePath, ...auth);
  app.use(`${basePath}/*`, ...auth);
  app.get(
    streamPath,
    streamRoute(progress, hub, { maxPendingEvents: config.maxPendingEvents, limits: config.limits, auth: config.auth }),
  );
  app.route(basePath, runsRoutes(progress));
  app.all(`${basePath}/*`, (c) => {
    throw new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
  });

  app.use(notificationsPath, ...auth);
  app.use(`${notificationsPath}/*`, ...auth);
  app.route(notificationsPath, notificationsRoutes(progress));
  app.all(`${notificationsPath}/*`, (c) => {
    throw new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
  });
  const { webhooksPath } = config;
  if (webhooksPath) {
    app.use(webhooksPath, ...auth);
    app.use(`${webhooksPath}/*`, ...auth);
    app.route(webhooksPath, webhooksRoutes(progress.backend.webhooks));
    app.all(`${webhooksPath}/*`, (c) => {
      throw new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
    });
  }

  app.use("/mcp", ...auth, requireScope("agent"));
  app.on(["GET", "POST", "DELETE"], "/mcp", (c) => {
    if (!config.mcp) {
      throw new HttpError(404, "mcp_unavailable", "this server has no MCP endpoint (no handler was configured)");
    }
    return config.mcp(c.req.raw, c.var.owner);
  });

  // Browser sessions: who the cookie says you are, and sign-out. Signing in is the `/?token=` link.
  const tokens = "tokens" in config.auth ? config.auth.tokens : undefined;
  app.get("/_headway/session", ...auth, (c) => c.json({ owner: c.var.owner, scope: c.var.scope }));
  app.delete("/_headway/session", (c) => signOut(c, tokens));

  app.route(
    "/",
    dashboardRoutes(config.dashboardDir, basePath, {
      signIn: (c) => signInFromUrl(c, tokens, config.sessionTtlMs),
      notificationsPath,
      webhooksPath,
    }),
  );
  return app;
}
