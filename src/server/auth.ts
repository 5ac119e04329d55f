import type { MiddlewareHandler } from "hono";
import { ValidationError, validateOwner } from "../core/index.js";
import type { TokenScope } from "../store/index.js";
import type { AppEnv } from "./app-env.js";
import { HttpError } from "./http-error.js";
import type { ResolvedAppOptions } from "./options.js";

const HOW_TO_GET_ONE = "create one with `headway tokens create --owner you@example.com`";
const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="headway"' };

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
 * Sets `owner` and `scope` for the handlers after it, or answers 401. With
 * `resolveOwner` the host app decides who is asking; otherwise a bearer token does.
 */
export function authenticate(
  auth: ResolvedAppOptions["auth"],
  allowQueryToken: (request: Request) => boolean,
): MiddlewareHandler<AppEnv> {
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
      if (!secret) throw unauthorized(`this endpoint needs a bearer token; ${HOW_TO_GET_ONE}`);
      const token = await auth.tokens.verify(secret);
      if (!token) throw unauthorized(`the token is unknown or revoked; ${HOW_TO_GET_ONE}`);
      owner = token.owner;
      scope = token.scope;
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
