import type { ApiSession, ApiToken, TokenScope } from "./token-store.js";

/**
 * `api_tokens` and `api_sessions` rows as every backend reads them (times in
 * epoch ms), and their public shapes: one mapping, whichever backend stored them.
 */
/** The `api_tokens` columns every backend selects, in `TokenRow` order. */
export const TOKEN_COLUMNS = "id, owner, scope, label, created_at, last_used_at, revoked_at, expires_at";

/** Options every backend's token store takes. */
export interface TokenStoreOptions {
  /** `last_used_at` is written at most this often per token, in ms, so reads stay reads. (Default: 60000) */
  touchIntervalMs?: number;
  clock?: () => number;
}

export interface TokenRow {
  id: string;
  owner: string;
  scope: string;
  label: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

export interface SessionRow {
  id: string;
  token_id: string;
  owner: string;
  created_at: number;
  expires_at: number;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    owner: row.owner,
    scope: row.scope as TokenScope,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
    expiresAt: iso(row.expires_at),
  };
}

export function toApiSession(row: SessionRow): ApiSession {
  return {
    id: row.id,
    tokenId: row.token_id,
    owner: row.owner,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
  };
}
