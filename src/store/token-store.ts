import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { ownerSchema, parseInput } from "../core/index.js";

/**
 * What a token may do. `read`: list, get, stream, cancel and delete the
 * owner's runs. `agent`: all of that, plus the manage-progress tool over MCP.
 */
export const TOKEN_SCOPES = ["read", "agent"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** A stored token, without its secret: the secret exists only at creation, then only as a hash. */
export interface ApiToken {
  id: string;
  owner: string;
  scope: TokenScope;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When it stops being accepted; null = never. */
  expiresAt: string | null;
}

export interface CreateTokenInput {
  owner: string;
  /** (Default: "read") */
  scope?: TokenScope;
  /** A note for `headway tokens list`, up to 200 characters. */
  label?: string | null;
  /** Accepted for this long after creation, in ms; renew it with `renew`. (Default: no expiry) */
  ttlMs?: number | null;
}

export interface CreatedToken {
  /** The bearer secret. Shown once; only its SHA-256 hash is stored. */
  token: string;
  record: ApiToken;
}

export interface ListTokensOptions {
  owner?: string;
  /** (Default: false) */
  includeRevoked?: boolean;
}

/** A browser session: a cookie secret traded for a token. Sessions may only read (scope `read`). */
export interface ApiSession {
  id: string;
  /** The token it was traded for; revoking that token ends the session too. */
  tokenId: string;
  owner: string;
  createdAt: string;
  expiresAt: string;
}

export interface CreatedSession {
  /** The cookie's value. Only its SHA-256 hash is stored. */
  secret: string;
  session: ApiSession;
}

/** API tokens, each mapping to one owner, and the browser sessions traded for them. */
export interface TokenStore {
  create(input: CreateTokenInput): Promise<CreatedToken>;
  /** The live token a secret belongs to, or null (unknown, malformed or revoked). */
  verify(secret: string): Promise<ApiToken | null>;
  list(options?: ListTokensOptions): Promise<ApiToken[]>;
  /** Revokes by id; returns the token as revoked, or null when no token has that id. Revoking twice is harmless. */
  revoke(id: string): Promise<ApiToken | null>;
  /** Moves a live token's expiry to `ttlMs` from now (a lease kept by a running server); null when it is not live. */
  renew(id: string, ttlMs: number): Promise<ApiToken | null>;
  /** Starts a session for a live token, valid for `ttlMs`; null when the token is not live. */
  createSession(tokenId: string, ttlMs: number): Promise<CreatedSession | null>;
  /** The live session a cookie secret belongs to: not expired, not revoked, and its token not revoked. */
  verifySession(secret: string): Promise<ApiSession | null>;
  /** Ends a session by its secret (sign-out); true when one was live. */
  revokeSession(secret: string): Promise<boolean>;
}

export const TOKEN_LABEL_MAX = 200;
const TOKEN_PREFIX = "hw_";
/** `hw_` and 32 random bytes in base64url: 256 bits, so a hash lookup is all the check needs. */
const TOKEN_PATTERN = /^hw_[A-Za-z0-9_-]{43}$/;

export const createTokenSchema = z.object({
  owner: ownerSchema,
  scope: z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(", ")}` }).default("read"),
  label: z
    .string({ error: "must be a string" })
    .max(TOKEN_LABEL_MAX, { error: `must be at most ${TOKEN_LABEL_MAX} characters` })
    .nullish(),
  ttlMs: z
    .number({ error: "must be a number of milliseconds" })
    .int({ error: "must be a whole number of milliseconds" })
    .min(1000, { error: "must be at least 1000 ms" })
    .nullish(),
});

export function validateCreateToken(input: unknown): z.output<typeof createTokenSchema> {
  return parseInput(createTokenSchema, input, "input");
}

export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** `hws_` and 32 random bytes in base64url: a session cookie's value. */
export function generateSessionSecret(): string {
  return `hws_${randomBytes(32).toString("base64url")}`;
}

export function looksLikeSessionSecret(secret: string): boolean {
  return /^hws_[A-Za-z0-9_-]{43}$/.test(secret);
}

export function generateTokenId(): string {
  return `tok_${randomBytes(9).toString("base64url")}`;
}

/** Cheap shape check before hashing, so junk never reaches the store. */
export function looksLikeToken(secret: string): boolean {
  return TOKEN_PATTERN.test(secret);
}

export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
