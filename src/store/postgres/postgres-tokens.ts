import { randomBytes } from "node:crypto";
import {
  type SessionRow as StoredSessionRow,
  type TokenRow as StoredTokenRow,
  TOKEN_COLUMNS,
  type TokenStoreOptions,
  toApiSession,
  toApiToken,
} from "../token-rows.js";
import {
  type ApiSession,
  type ApiToken,
  type CreatedSession,
  type CreatedToken,
  type CreateTokenInput,
  generateSessionSecret,
  generateTokenId,
  generateTokenSecret,
  hashTokenSecret,
  type ListTokensOptions,
  looksLikeSessionSecret,
  looksLikeToken,
  type TokenStore,
  validateCreateToken,
} from "../token-store.js";
import type { PgClientLike } from "./postgres-driver.js";

export type PostgresTokenStoreOptions = TokenStoreOptions;

const COLUMNS = TOKEN_COLUMNS;
/** `$now` is the parameter number of the current time. */
const live = (now: string) => `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})`;

const SQL = {
  insert: `INSERT INTO api_tokens (id, owner, hash, scope, label, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  byHash: `SELECT ${COLUMNS} FROM api_tokens WHERE hash = $1 AND ${live("$2")}`,
  liveById: `SELECT ${COLUMNS} FROM api_tokens WHERE id = $1 AND ${live("$2")}`,
  renew: `UPDATE api_tokens SET expires_at = $3 WHERE id = $1 AND ${live("$2")} RETURNING ${COLUMNS}`,
  insertSession: `INSERT INTO api_sessions (id, token_id, owner, hash, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  sessionByHash: `SELECT s.id, s.token_id, s.owner, s.created_at, s.expires_at FROM api_sessions s
    JOIN api_tokens t ON t.id = s.token_id
    WHERE s.hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND t.revoked_at IS NULL`,
  revokeSession: `UPDATE api_sessions SET revoked_at = $2
    WHERE hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING id`,
  dropExpiredSessions: "DELETE FROM api_sessions WHERE expires_at <= $1",
  byId: `SELECT ${COLUMNS} FROM api_tokens WHERE id = $1`,
  list: `SELECT ${COLUMNS} FROM api_tokens
    WHERE ($1::text IS NULL OR owner = $1) AND ($2::boolean OR (${live("$3")})) ORDER BY created_at, n`,
  touch: "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
  revoke: "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
};

/** Tokens in the `api_tokens` table of the same schema as the runs; SQLite's semantics, statement for statement. */
export class PostgresTokenStore implements TokenStore {
  private readonly touchedAt = new Map<string, number>();
  private readonly touchIntervalMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly client: PgClientLike,
    private readonly ready: Promise<unknown>,
    options: PostgresTokenStoreOptions = {},
  ) {
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const { owner, scope, label, ttlMs } = validateCreateToken(input);
    const token = generateTokenSecret();
    const id = generateTokenId();
    const now = this.clock();
    const expires = ttlMs ? now + ttlMs : null;
    await this.run(SQL.insert, [id, owner, hashTokenSecret(token), scope, label ?? null, now, expires]);
    const row: TokenRow = {
      id,
      owner,
      scope,
      label: label ?? null,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
      expires_at: expires,
    };
    return { token, record: toApiToken(row) };
  }

  async verify(secret: string): Promise<ApiToken | null> {
    if (!looksLikeToken(secret)) return null;
    const now = this.clock();
    const [row] = await this.run<TokenRow>(SQL.byHash, [hashTokenSecret(secret), now]);
    if (!row) return null;
    const last = this.touchedAt.get(row.id) ?? row.last_used_at ?? 0;
    if (now - last >= this.touchIntervalMs) {
      this.touchedAt.set(row.id, now);
      await this.run(SQL.touch, [now, row.id]);
      row.last_used_at = now;
    }
    return toApiToken(row);
  }

  async list(options: ListTokensOptions = {}): Promise<ApiToken[]> {
    const rows = await this.run<TokenRow>(SQL.list, [
      options.owner ?? null,
      options.includeRevoked ?? false,
      this.clock(),
    ]);
    return rows.map(toApiToken);
  }

  async revoke(id: string): Promise<ApiToken | null> {
    await this.run(SQL.revoke, [this.clock(), id]);
    this.touchedAt.delete(id);
    const [row] = await this.run<TokenRow>(SQL.byId, [id]);
    return row ? toApiToken(row) : null;
  }

  async renew(id: string, ttlMs: number): Promise<ApiToken | null> {
    const now = this.clock();
    const [row] = await this.run<TokenRow>(SQL.renew, [id, now, now + ttlMs]);
    return row ? toApiToken(row) : null;
  }

  async createSession(tokenId: string, ttlMs: number): Promise<CreatedSession | null> {
    const now = this.clock();
    const [token] = await this.run<TokenRow>(SQL.liveById, [tokenId, now]);
    if (!token) return null;
    await this.run(SQL.dropExpiredSessions, [now]);
    const secret = generateSessionSecret();
    const row: SessionRow = {
      id: `ses_${randomBytes(9).toString("base64url")}`,
      token_id: token.id,
      owner: token.owner,
      created_at: now,
      expires_at: now + ttlMs,
    };
    await this.run(SQL.insertSession, [row.id, row.token_id, row.owner, hashTokenSecret(secret), now, row.expires_at]);
    return { secret, session: toApiSession(row) };
  }

  async verifySession(secret: string): Promise<ApiSession | null> {
    if (!looksLikeSessionSecret(secret)) return null;
    const [row] = await this.run<SessionRow>(SQL.sessionByHash, [hashTokenSecret(secret), this.clock()]);
    return row ? toApiSession(row) : null;
  }

  async revokeSession(secret: string): Promise<boolean> {
    if (!looksLikeSessionSecret(secret)) return false;
    const rows = await this.run(SQL.revokeSession, [hashTokenSecret(secret), this.clock()]);
    return rows.length > 0;
  }

  private async run<Row extends Record<string, unknown>>(text: string, params: readonly unknown[]): Promise<Row[]> {
    await this.ready;
    return this.client.unsafe<Row>(text, params);
  }
}

type TokenRow = StoredTokenRow & Record<string, unknown>;
type SessionRow = StoredSessionRow & Record<string, unknown>;
