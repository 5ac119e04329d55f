import { bearerOf, sessionSecretOf } from "../auth.js";
import type { ResolvedAppOptions } from "../options.js";
import type { StreamCredential } from "./sse-hub.js";

let requestCount = 0;

function secretOf(request: Request): string | null {
  try {
    return bearerOf(request, true);
  } catch {
    return null;
  }
}

/**
 * What a request's allowance is counted against: its bearer token, or its
 * owner when the host app (`resolveOwner`) or a session says who is asking.
 */
export function credentialKey(auth: ResolvedAppOptions["auth"], request: Request, owner: string): string {
  const secret = "resolveOwner" in auth ? null : secretOf(request);
  return secret ? `token:${secret}` : `owner:${owner}`;
}

/**
 * How an open stream is checked again later: its bearer token verified once
 * more (shared by every stream of that token), or, under `resolveOwner`, the
 * host app asked again about the original request. Undefined when the request
 * carried nothing that can be checked again.
 */
export function streamCredential(
  auth: ResolvedAppOptions["auth"],
  request: Request,
  owner: string,
): StreamCredential | undefined {
  if ("resolveOwner" in auth) {
    return {
      key: `request:${++requestCount}`,
      check: async () => (await auth.resolveOwner(request)) === owner,
    };
  }
  const secret = secretOf(request);
  const tokens = auth.tokens;
  if (!secret) {
    // A browser's session cookie: signed out, expired or its token revoked ends the stream too.
    const session = sessionSecretOf(request);
    if (!session) return undefined;
    return { key: `session:${session}`, check: async () => (await tokens.verifySession(session))?.owner === owner };
  }
  return {
    key: `token:${secret}`,
    check: async () => (await tokens.verify(secret))?.owner === owner,
  };
}
