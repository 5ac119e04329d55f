import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { ValidationError, validateOwner } from "../core/index.js";
import type { TokenScope, TokenStore } from "../store/index.js";
import type { AppEnv } from "./app-env.js";
import { HttpError } from "./http-error.js";
import type { ResolvedAppOptions } from "./options.js";

const HOW_TO_GET_ONE = "create one with `headway tokens create --owner you@example.com`";
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="headway"' };
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message, CHALLENGE);
}

/** The bearer secret of a request, from the header or, where allowed, from `?token=`. */
export function bearerOf(request: Request, allowQueryToken: boolean): string | null {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized(`the Authorization header must read "Bearer <token>"; ${HOW_TO_GET_ONE}`);
    return match[1];
  }
  // Browsers' EventSource cannot send headers; the stream alone takes the token in its URL.
  if (allowQueryToken) return new URL(request.url).searchParams.get("token");
  return null;
}

/**
 * The session cookie's name. Cookies do not keep ports apart, so the port is
 * part of the name: two servers on one host do not sign each other out.
 */
export function sessionCookieName(request: Request): string {
  const url = new URL(request.url);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `headway_session_${port}`;
}

/** The session secret a request's cookie carries, if any. */
export function sessionSecretOf(request: Request): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  const name = `${sessionCookieName(request)}=`;
  for (const part of header.split(";")) {
    const trimmed = part.trim();
    if (trimmed.startsWith(name)) return trimmed.slice(name.length) || null;
  }
  return null;
}

/**
 * Whether a request presents a credential of Headway's own: a bearer token
 * (header, or `?token=` where allowed) or a session cookie. Only a refused
 * one can be a guess; a request with none (a signed-out page loading) cannot.
 */
export function presentsCredential(request: Request, allowQueryToken: boolean): boolean {
  if (request.headers.has("authorization") || sessionSecretOf(request) !== null) return true;
  return allowQueryToken && new URL(request.url).searchParams.has("token");
}

/**
 * A cookie rides along on any request the browser makes to this host,
 * including from another port's page (same site). A request that changes
 * something on a cookie's strength must come from this origin or an allowed one.
 */
function checkCookieOrigin(request: Request, allowedOrigins: readonly string[]): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get("origin");
  if (origin === null) return; // not a browser's cross-origin request
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    // an opaque origin ("null") is nobody's
  }
  if (host !== null && host === request.headers.get("host")) return;
  if (allowedOrigins.includes(origin)) return;
  throw new HttpError(
    403,
    "cross_origin_cookie",
    `a ${request.method} from ${origin} may not use this server's session cookie; send a bearer token or add the origin with --cors-origin`,
  );
}

export interface AuthenticateOptions {
  /** Whether this request may carry its token as `?token=` (the stream route alone). */
  allowQueryToken: (request: Request) => boolean;
  /** Origins whose pages may change things on the strength of the session cookie. */
  corsOrigins?: readonly string[];
}

/**
 * Sets `owner` and `scope` for the handlers after it, or answers 401. With
 * `resolveOwner` the host app decides who is asking; otherwise a bearer token
 * (header, or `?token=` on the stream) or the browser's session cookie does.
 */
export function authenticate(
  auth: ResolvedAppOptions["auth"],
  options: AuthenticateOptions | ((request: Request) => boolean),
): MiddlewareHandler<AppEnv> {
  const { allowQueryToken, corsOrigins = [] } = typeof options === "function" ? { allowQueryToken: options } : options;
  return async (c, next) => {
    let owner: string;
    let scope: TokenScope;
    if ("resolveOwner" in auth) {
      const resolved = await auth.resolveOwner(c.req.raw);
      if (resolved === null || resolved === undefined) throw unauthorized("sign in to see runs");
      try {
        owner = validateOwner(resolved);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new Error(`resolveOwner returned an unusable owner: ${error.message}`);
      }
      scope = "agent";
    } else {
      const secret = bearerOf(c.req.raw, allowQueryToken(c.req.raw));
      if (secret) {
        const token = await auth.tokens.verify(secret);
        if (!token) throw unauthorized(`the token is unknown, revoked or expired; ${HOW_TO_GET_ONE}`);
        owner = token.owner;
        scope = token.scope;
      } else {
        const cookie = sessionSecretOf(c.req.raw);
        if (!cookie) throw unauthorized(`this endpoint needs a bearer token or a session; ${HOW_TO_GET_ONE}`);
        const session = await auth.tokens.verifySession(cookie);
        if (!session) {
          throw unauthorized(`the session has ended (signed out, expired or its token revoked); ${HOW_TO_GET_ONE}`);
        }
        checkCookieOrigin(c.req.raw, corsOrigins);
        owner = session.owner;
        scope = "read"; // a browser session may read and cancel, never act as an agent
      }
    }
    c.set("owner", owner);
    c.set("scope", scope);
    await next();
  };
}

/** Lets only tokens of `scope` through; `agent` tokens may do everything `read` ones may. */
export function requireScope(scope: TokenScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (scope === "agent" && c.var.scope !== "agent") {
      throw new HttpError(
        403,
        "insufficient_scope",
        "this token may read runs but not use the agent tool; create one with `headway tokens create --owner … --scope agent`",
      );
    }
    await next();
  };
}

const SIGN_IN_HEADERS = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };

/**
 * The Jupyter-style link: a page request carrying a live `?token=` is
 * answered with a session cookie (HttpOnly, SameSite=Strict) and a redirect
 * to the same address without the token. Null when there is nothing to trade
 * (no token, an unknown one, or host-app auth): the page is served as usual.
 */
export async function signInFromUrl(
  c: Context,
  tokens: TokenStore | undefined,
  sessionTtlMs: number,
): Promise<Response | null> {
  const url = new URL(c.req.url);
  const secret = url.searchParams.get("token");
  if (!tokens || !secret) return null;
  const token = await tokens.verify(secret);
  if (!token) return null;
  const created = await tokens.createSession(token.id, sessionTtlMs);
  if (!created) return null;
  setCookie(c, sessionCookieName(c.req.raw), created.secret, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: url.protocol === "https:",
    maxAge: Math.floor(sessionTtlMs / 1000),
  });
  url.searchParams.delete("token");
  for (const [name, value] of Object.entries(SIGN_IN_HEADERS)) c.header(name, value);
  return c.redirect(url.pathname + url.search + url.hash, 303);
}

/** Ends the request's session (sign-out) and clears its cookie. */
export async function signOut(c: Context, tokens: TokenStore | undefined): Promise<Response> {
  const secret = sessionSecretOf(c.req.raw);
  if (secret && tokens) {
    checkCookieOrigin(c.req.raw, []);
    await tokens.revokeSession(secret);
  }
  deleteCookie(c, sessionCookieName(c.req.raw), { path: "/" });
  return c.json({ signedOut: true });
}
