import { randomBytes } from "node:crypto";
import {
  type SessionRow,
  TOKEN_COLUMNS,
  type TokenRow,
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
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { migrateSqlite } from "./sqlite-schema.js";

export type SqliteTokenStoreOptions = TokenStoreOptions;

const COLUMNS = TOKEN_COLUMNS;
const LIVE = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";

/** Tokens in the `api_tokens` table of the same SQLite file as the runs. */
export class SqliteTokenStore implements TokenStore {
  private readonly sql;
  private readonly touchedAt = new Map<string, number>();
  private readonly touchIntervalMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: SqliteDatabaseLike,
    options: SqliteTokenStoreOptions = {},
  ) {
    migrateSqlite(db);
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.sql = {
      insert: db.prepare(
        "INSERT INTO api_tokens (id, owner, hash, scope, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      byHash: db.prepare<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = @hash AND ${LIVE}`),
      liveById: db.prepare<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = @id AND ${LIVE}`),
      renew: db.prepare(`UPDATE api_tokens SET expires_at = @expires WHERE id = @id AND ${LIVE}`),
      insertSession: db.prepare(
        "INSERT INTO api_sessions (id, token_id, owner, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      sessionByHash: db.prepare<SessionRow>(
        `SELECT s.id, s.token_id, s.owner, s.created_at, s.expires_at FROM api_sessions s
         JOIN api_tokens t ON t.id = s.token_id
         WHERE s.hash = @hash AND s.revoked_at IS NULL AND s.expires_at > @now AND t.revoked_at IS NULL`,
      ),
      revokeSession: db.prepare(
        "UPDATE api_sessions SET revoked_at = @now WHERE hash = @hash AND revoked_at IS NULL AND expires_at > @now",
      ),
      dropExpiredSessions: db.prepare("DELETE FROM api_sessions WHERE expires_at <= ?"),
      byId: db.prepare<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`),
      list: db.prepare<TokenRow>(
        `SELECT ${COLUMNS} FROM api_tokens WHERE (@owner IS NULL OR owner = @owner) AND (@all OR (${LIVE}))
         ORDER BY created_at, rowid`,
      ),
      touch: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      revoke: db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    };
  }

  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const { owner, scope, label, ttlMs } = validateCreateToken(input);
    const token = generateTokenSecret();
    const id = generateTokenId();
    const now = this.clock();
    const expires = ttlMs ? now + ttlMs : null;
    await writeWhenFree(this.db, () =>
      this.sql.insert.run(id, owner, hashTokenSecret(token), scope, label ?? null, now, expires),
    );
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
        expires_at: expires,
      }),
    };
  }

  async verify(secret: string): Promise<ApiToken | null> {
    if (!looksLikeToken(secret)) return null;
    const now = this.clock();
    const row = this.sql.byHash.get({ hash: hashTokenSecret(secret), now });
    if (!row) return null;
    const last = this.touchedAt.get(row.id) ?? row.last_used_at ?? 0;
    if (now - last >= this.touchIntervalMs) {
      this.touchedAt.set(row.id, now);
      // A stamp, not a gate: the request does not wait for the write lock; a stamp that fails is tried next time.
      writeWhenFree(this.db, () => this.sql.touch.run(now, row.id)).catch(() => this.touchedAt.delete(row.id));
      row.last_used_at = now;
    }
    return toApiToken(row);
  }

  async list(options: ListTokensOptions = {}): Promise<ApiToken[]> {
    return this.sql.list
      .all({ owner: options.owner ?? null, all: options.includeRevoked ? 1 : 0, now: this.clock() })
      .map(toApiToken);
  }

  async revoke(id: string): Promise<ApiToken | null> {
    await writeWhenFree(this.db, () => this.sql.revoke.run(this.clock(), id));
    this.touchedAt.delete(id);
    const row = this.sql.byId.get(id);
    return row ? toApiToken(row) : null;
  }

  async renew(id: string, ttlMs: number): Promise<ApiToken | null> {
    const now = this.clock();
    await writeWhenFree(this.db, () => this.sql.renew.run({ id, now, expires: now + ttlMs }));
    const row = this.sql.liveById.get({ id, now });
    return row ? toApiToken(row) : null;
  }

  async createSession(tokenId: string, ttlMs: number): Promise<CreatedSession | null> {
    const now = this.clock();
    const token = this.sql.liveById.get({ id: tokenId, now });
    if (!token) return null;
    const secret = generateSessionSecret();
    const row: SessionRow = {
      id: `ses_${randomBytes(9).toString("base64url")}`,
      token_id: token.id,
      owner: token.owner,
      created_at: now,
      expires_at: now + ttlMs,
    };
    await writeWhenFree(this.db, () =>
      this.db.transaction(() => {
        this.sql.dropExpiredSessions.run(now);
        this.sql.insertSession.run(row.id, row.token_id, row.owner, hashTokenSecret(secret), now, row.expires_at);
      })(),
    );
    return { secret, session: toApiSession(row) };
  }

  async verifySession(secret: string): Promise<ApiSession | null> {
    if (!looksLikeSessionSecret(secret)) return null;
    const row = this.sql.sessionByHash.get({ hash: hashTokenSecret(secret), now: this.clock() });
    return row ? toApiSession(row) : null;
  }

  async revokeSession(secret: string): Promise<boolean> {
    if (!looksLikeSessionSecret(secret)) return false;
    const now = this.clock();
    const hash = hashTokenSecret(secret);
    return (await writeWhenFree(this.db, () => this.sql.revokeSession.run({ hash, now }))).changes > 0;
  }
}
