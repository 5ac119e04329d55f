import {
  type ApiToken,
  type CreatedToken,
  type CreateTokenInput,
  generateTokenId,
  generateTokenSecret,
  hashTokenSecret,
  type ListTokensOptions,
  looksLikeToken,
  type TokenScope,
  type TokenStore,
  validateCreateToken,
} from "../token-store.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { migrateSqlite } from "./sqlite-schema.js";

interface TokenRow {
  id: string;
  owner: string;
  scope: string;
  label: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SqliteTokenStoreOptions {
  /** `last_used_at` is written at most this often per token, in ms, so reads stay reads. (Default: 60000) */
  touchIntervalMs?: number;
  clock?: () => number;
}

const COLUMNS = "id, owner, scope, label, created_at, last_used_at, revoked_at";

/** Tokens in the `api_tokens` table of the same SQLite file as the runs. */
export class SqliteTokenStore implements TokenStore {
  private readonly sql;
  private readonly touchedAt = new Map<string, number>();
  private readonly touchIntervalMs: number;
  private readonly clock: () => number;

  constructor(db: SqliteDatabaseLike, options: SqliteTokenStoreOptions = {}) {
    migrateSqlite(db);
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.sql = {
      insert: db.prepare(
        "INSERT INTO api_tokens (id, owner, hash, scope, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      byHash: db.prepare<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = ? AND revoked_at IS NULL`),
      byId: db.prepare<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`),
      list: db.prepare<TokenRow>(
        `SELECT ${COLUMNS} FROM api_tokens WHERE (@owner IS NULL OR owner = @owner) AND (@all OR revoked_at IS NULL)
         ORDER BY created_at, rowid`,
      ),
      touch: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      revoke: db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    };
  }

  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const { owner, scope, label } = validateCreateToken(input);
    const token = generateTokenSecret();
    const id = generateTokenId();
    const now = this.clock();
    this.sql.insert.run(id, owner, hashTokenSecret(token), scope, label ?? null, now);
    return {
      token,
      record: toApiToken({
        id,
        owner,
        scope,
        label: label ?? null,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
      }),
    };
  }

  async verify(secret: string): Promise<ApiToken | null> {
    if (!looksLikeToken(secret)) return null;
    const row = this.sql.byHash.get(hashTokenSecret(secret));
    if (!row) return null;
    const now = this.clock();
    const last = this.touchedAt.get(row.id) ?? row.last_used_at ?? 0;
    if (now - last >= this.touchIntervalMs) {
      this.touchedAt.set(row.id, now);
      this.sql.touch.run(now, row.id);
      row.last_used_at = now;
    }
    return toApiToken(row);
  }

  async list(options: ListTokensOptions = {}): Promise<ApiToken[]> {
    return this.sql.list.all({ owner: options.owner ?? null, all: options.includeRevoked ? 1 : 0 }).map(toApiToken);
  }

  async revoke(id: string): Promise<ApiToken | null> {
    this.sql.revoke.run(this.clock(), id);
    this.touchedAt.delete(id);
    const row = this.sql.byId.get(id);
    return row ? toApiToken(row) : null;
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    owner: row.owner,
    scope: row.scope as TokenScope,
    label: row.label,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
