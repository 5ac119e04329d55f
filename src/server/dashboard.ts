import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { type Context, Hono } from "hono";
import { compress } from "hono/compress";
import { HttpError } from "./http-error.js";
import { escapeHtml, placeholderPage } from "./placeholder-page.js";

// The page's address may carry a token: it must not leak to other sites through Referer.
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-cache",
  "Referrer-Policy": "no-referrer",
};
/** Vite names built assets by content hash, so a name never changes meaning: cache for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const HASHED_ASSET = /^\/assets\/.+[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/i;

export interface DashboardOptions {
  /** Trades a page request's `?token=` for a session cookie; null serves the page as usual. */
  signIn?: (c: Context) => Promise<Response | null>;
  /** Where the notifications API lives, announced to the page beside the base path. (Default: not announced) */
  notificationsPath?: string;
  /** Where the webhooks API lives, announced to the page as `<meta name="headway-webhooks-path">`; false for none. */
  webhooksPath?: string | false;
}

/**
 * `/` and the dashboard's assets. The built app gets the API's base path as a
 * `<meta name="headway-base-path">` tag (the notifications API's as
 * `headway-notifications-path`); unknown paths without a file
 * extension fall back to index.html (client-side routes). Without a build,
 * a placeholder page that still shows runs live. Assets are compressed,
 * hashed ones cached for good, source maps never served, and `/.well-known/*`
 * is a JSON 404 (an MCP client looking for OAuth metadata must not get HTML).
 */
export function dashboardRoutes(dir: string | false, basePath: string, options: DashboardOptions = {}): Hono {
  const routes = new Hono();
  const index = dir ? join(dir, "index.html") : undefined;
  const html = () => {
    if (!index || !existsSync(index)) return placeholderPage(basePath);
    const webhooks = options.webhooksPath
      ? `<meta name="headway-webhooks-path" content="${escapeHtml(options.webhooksPath)}">`
      : "";
    const meta =
      `${webhooks}<meta name="headway-base-path" content="${escapeHtml(basePath)}">` +
      (options.notificationsPath
        ? `<meta name="headway-notifications-path" content="${escapeHtml(options.notificationsPath)}">`
        : "");
    const text = readFileSync(index, "utf8");
    return text.includes("</head>") ? text.replace("</head>", `${meta}</head>`) : meta + text;
  };
  const page = async (c: Context) => (await options.signIn?.(c)) ?? new Response(html(), { headers: PAGE_HEADERS });

  routes.all("/.well-known/*", (c) => {
    throw new HttpError(404, "not_found", `nothing at ${c.req.path}; this server has no OAuth or other metadata`);
  });
  routes.get("*", (c, next) => {
    if (c.req.path.endsWith(".map")) throw new HttpError(404, "not_found", `no file at ${c.req.path}`);
    return next();
  });
  routes.use("*", compress());
  routes.get("/", page);
  routes.get("/index.html", page);
  // Assets of a build present at start-up; the page itself is looked up per request.
  if (dir && existsSync(dir)) {
    routes.use(
      "/*",
      serveStatic({
        root: dir,
        onFound: (_path, c) => {
          c.header("Cache-Control", HASHED_ASSET.test(c.req.path) ? IMMUTABLE : "no-cache");
        },
      }),
    );
  }
  routes.get("/*", (c) => {
    if (/\.[a-z0-9]+$/i.test(c.req.path)) throw new HttpError(404, "not_found", `no file at ${c.req.path}`);
    return page(c);
  });
  return routes;
}
