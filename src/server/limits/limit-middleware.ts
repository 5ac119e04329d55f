import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.js";
import { HttpError } from "../http-error.js";
import type { ResolvedLimits } from "./limits-options.js";
import { TokenBuckets } from "./token-buckets.js";

/** A 429 that says when to come back (whole seconds, at least 1). */
export function tooManyRequests(code: string, message: string, retryAfterSeconds: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new HttpError(429, code, `${message}; retry in ${seconds} s`, { "Retry-After": String(seconds) });
}

/** Any route: a body over `maxBodyBytes` (declared or streamed) is a 413 before a handler reads it. */
export function bodySizeLimit(limits: ResolvedLimits): MiddlewareHandler {
  return bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: () => {
      throw new HttpError(
        413,
        "body_too_large",
        `the request body must be at most ${limits.maxBodyBytes} bytes (limits.maxBodyBytes)`,
      );
    },
  });
}

/** The peer's address on Node (`@hono/node-server` puts the request there); "unknown" elsewhere. */
export function clientAddress(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/**
 * Placed before authentication: a client address whose failed
 * authentications used up their allowance gets 429s without its token
 * being checked, until the allowance refills. A 401 counts when `counts`
 * says the request could have been a guess (it presented a credential).
 */
export function authFailureLimit(
  limits: ResolvedLimits,
  counts: (request: Request) => boolean,
): MiddlewareHandler<AppEnv> {
  const failures = new TokenBuckets(limits.authFailuresPerSecond, limits.authFailureBurst);
  return async (c, next) => {
    const address = clientAddress(c.env);
    const wait = failures.wait(address);
    if (wait > 0) {
      throw tooManyRequests("too_many_auth_failures", "too many failed authentications from this address", wait);
    }
    await next();
    if (c.res.status === 401 && counts(c.req.raw)) failures.take(address);
  };
}

/**
 * Placed after authentication: each credential (`credentialOf`) gets
 * `requestsPerSecond`, with bursts up to `requestBurst`.
 */
export function requestRateLimit(
  limits: ResolvedLimits,
  credentialOf: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string,
): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets(limits.requestsPerSecond, limits.requestBurst);
  // Mounted on overlapping patterns (`/runs` and `/runs/*`), it may meet one request twice: count it once.
  const counted = new WeakSet<object>();
  return async (c, next) => {
    if (counted.has(c)) return next();
    counted.add(c);
    const wait = buckets.take(credentialOf(c));
    if (wait > 0) {
      throw tooManyRequests(
        "rate_limited",
        `this token made more than ${limits.requestsPerSecond} requests a second (limits.requestsPerSecond)`,
        wait,
      );
    }
    await next();
  };
}
