import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { HttpError } from "./http-error.js";
import { escapeHtml, placeholderPage } from "./placeholder-page.js";

// The page's address carries the token: it must not leak to other sites through Referer.
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-cache",
  "Referrer-Policy": "no-referrer",
};

/**
 * `/` and the dashboard's assets. The built app gets the API's base path as a
 * `<meta name="headway-base-path">` tag; unknown paths without a file
 * extension fall back to index.html (client-side routes). Without a build,
 * a placeholder page that still shows runs live.
 */
export function dashboardRoutes(dir: string | false, basePath: string): Hono {
  const routes = new Hono();
  const index = dir ? join(dir, "index.html") : undefined;
  const page = () => {
    if (!index || !existsSync(index)) return placeholderPage(basePath);
    const meta = `<meta name="headway-base-path" content="${escapeHtml(basePath)}">`;
    const html = readFileSync(index, "utf8");
    return html.includes("</head>") ? html.replace("</head>", `${meta}</head>`) : meta + html;
  };
  routes.get("/", () => new Response(page(), { headers: PAGE_HEADERS }));
  routes.get("/index.html", () => new Response(page(), { headers: PAGE_HEADERS }));
  // Assets of a build present at start-up; the page itself is looked up per request.
  if (dir && existsSync(dir)) routes.use("/*", serveStatic({ root: dir }));
  routes.get("/*", (c) => {
    if (/\.[a-z0-9]+$/i.test(c.req.path)) throw new HttpError(404, "not_found", `no file at ${c.req.path}`);
    return new Response(page(), { headers: PAGE_HEADERS });
  });
  return routes;
}
