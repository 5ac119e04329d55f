import type { MiddlewareHandler } from "hono";

const ALLOW_METHODS = "GET, HEAD, POST, DELETE";
const ALLOW_HEADERS = "Authorization, Content-Type, Accept, Last-Event-ID, Mcp-Session-Id, Mcp-Protocol-Version";
const EXPOSE_HEADERS = "Retry-After, WWW-Authenticate, Mcp-Session-Id";

/**
 * Cross-origin access for the configured origins only. A preflight is
 * answered here, before auth (browsers never send credentials with one); an
 * origin not on the list gets no Access-Control-* header at all, so its
 * browser refuses the response. Credentials are allowed, so a page on an
 * allowed origin may send a bearer token (and, same-site, the session cookie).
 */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    const ok = origin !== undefined && allowed.has(origin);
    if (c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method")) {
      const headers: Record<string, string> = { Vary: "Origin" };
      if (ok) {
        Object.assign(headers, {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Credentials": "true",
          "Access-Control-Allow-Methods": ALLOW_METHODS,
          "Access-Control-Allow-Headers": ALLOW_HEADERS,
          "Access-Control-Max-Age": "600",
        });
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    if (allowed.size === 0) return;
    try {
      c.res.headers.append("Vary", "Origin");
      if (ok) {
        c.res.headers.set("Access-Control-Allow-Origin", origin);
        c.res.headers.set("Access-Control-Allow-Credentials", "true");
        c.res.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
      }
    } catch {
      // A response with immutable headers (one passed through from fetch) goes out as it is.
    }
  };
}
