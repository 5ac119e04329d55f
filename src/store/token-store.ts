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
}

export interface CreateTokenInput {
  owner: string;
  /** (Default: "read") */
  scope?: TokenScope;
  /** A note for `headway tokens list`, up to 200 characters. */
  label?: string | null;
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

/** API tokens, each mapping to one owner. Both store backends provide one. */
export interface TokenStore {
  create(input: CreateTokenInput): Promise<CreatedToken>;
  /** The live token a secret belongs to, or null (unknown, malformed or revoked). */
  verify(secret: string): Promise<ApiToken | null>;
  list(options?: ListTokensOptions): Promise<ApiToken[]>;
  /** Revokes by id; returns the token as revoked, or null when no token has that id. Revoking twice is harmless. */
  revoke(id: string): Promise<ApiToken | null>;
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
});

export function validateCreateToken(input: unknown): z.output<typeof createTokenSchema> {
  return parseInput(createTokenSchema, input, "input");
}

export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
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
