import type { HeadwayEvent } from "../../core/index.js";
import {
  type ClaimRow,
  DELIVERY_COLUMNS,
  type DeliveryInsert,
  type DeliveryRow,
  ENDPOINT_COLUMNS,
  type EndpointRow,
  ownersOf,
  planDeliveries,
  recordParams,
  toClaimedDelivery,
  tooManyEndpoints,
  toWebhookDelivery,
  toWebhookDeliveryDetail,
  toWebhookEndpoint,
} from "../webhook-rows.js";
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  type ClaimOptions,
  type CreatedWebhook,
  type CreateWebhookInput,
  type DeliveryStatus,
  type EnqueueResult,
  generateEndpointId,
  generateWebhookSecret,
  type ListDeliveriesOptions,
  validateCreateWebhook,
  validateListDeliveries,
  WEBHOOK_LIMITS,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookEndpoint,
  type WebhookStore,
} from "../webhook-store.js";
import type { SqliteDatabaseLike } from "./sqlite-driver.js";
import { writeWhenFree } from "./sqlite-lock-wait.js";
import { migrateSqlite } from "./sqlite-schema.js";

// Owner-scoped when @owner is given; every owner's when it is null (the CLI on its own database).
const OWNED = "(@owner IS NULL OR owner = @owner)";
const BEFORE_ALL = Number.MAX_SAFE_INTEGER;

/**
 * A delivery may go out when it is due, not leased, its endpoint is live,
 * and no earlier delivery of the same run to the same endpoint is pending.
 */
const CLAIMABLE = `
  SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.body, d.attempts
  FROM webhook_deliveries d INDEXED BY webhook_deliveries_due
  JOIN webhook_endpoints e ON e.id = d.endpoint_id
  WHERE d.status = 'pending' AND d.next_attempt_at <= @now
    AND (d.lease_until IS NULL OR d.lease_until <= @now)
    AND e.disabled_at IS NULL
    AND (d.run_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM webhook_deliveries p INDEXED BY webhook_deliveries_run_order
      WHERE p.endpoint_id = d.endpoint_id AND p.run_id = d.run_id AND p.status = 'pending'
        AND (p.event_seq < d.event_seq OR (p.event_seq = d.event_seq AND p.event_index < d.event_index))))
  ORDER BY d.next_attempt_at, d.event_seq, d.event_index
  LIMIT @limit`;

/** Webhooks in tables of the same SQLite file as the runs; writes in short IMMEDIATE transactions. */
export class SqliteWebhookStore implements WebhookStore {
  private readonly sql;

  constructor(
    private readonly db: SqliteDatabaseLike,
    private readonly clock: () => number = Date.now,
  ) {
    migrateSqlite(db);
    this.sql = {
      insertEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (id, owner, url, events, description, secret, created_at)
         VALUES (@id, @owner, @url, @events, @description, @secret, @created_at)`,
      ),
      countEndpoints: db.prepare<{ n: number }>("SELECT count(*) AS n FROM webhook_endpoints WHERE owner = ?"),
      endpoint: db.prepare<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = @id AND ${OWNED}`,
      ),
      endpoints: db.prepare<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ${OWNED} ORDER BY created_at, rowid`,
      ),
      anyLive: db.prepare<{ one: number }>("SELECT 1 AS one FROM webhook_endpoints WHERE disabled_at IS NULL LIMIT 1"),
      liveEndpointsOf: db.prepare<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
         WHERE owner IN (SELECT value FROM json_each(?)) AND disabled_at IS NULL`,
      ),
      setDisabled: db.prepare(
        `UPDATE webhook_endpoints SET disabled_at = CASE WHEN @disabled THEN coalesce(disabled_at, @now) END
         WHERE id = @id AND ${OWNED}`,
      ),
      removeEndpoint: db.prepare("DELETE FROM webhook_endpoints WHERE id = ?"),
      deliveries: db.prepare<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE ${OWNED} AND (@endpoint IS NULL OR endpoint_id = @endpoint) AND (@status IS NULL OR status = @status)
           AND n < @before
         ORDER BY n DESC LIMIT @limit`,
      ),
      positionOf: db.prepare<{ n: number }>(`SELECT n FROM webhook_deliveries WHERE id = @id AND ${OWNED}`),
      delivery: db.prepare<DeliveryRow & { body: string }>(
        `SELECT ${DELIVERY_COLUMNS}, body FROM webhook_deliveries WHERE id = @id AND ${OWNED}`,
      ),
      counts: db.prepare<{ status: DeliveryStatus; n: number }>(
        `SELECT status, count(*) AS n FROM webhook_deliveries
         WHERE ${OWNED} AND (@endpoint IS NULL OR endpoint_id = @endpoint) GROUP BY status`,
      ),
      replay: db.prepare(
        `UPDATE webhook_deliveries
         SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
             status = 'pending', next_attempt_at = @now, finished_at = NULL
         WHERE id = @id AND ${OWNED}
           AND (status <> 'pending' OR lease_until IS NULL OR lease_until <= @now)`,
      ),
      replayDead: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, finished_at = NULL
         WHERE endpoint_id = @endpoint AND status = 'dead'`,
      ),
      cursor: db.prepare<{ seq: number }>("SELECT seq FROM webhook_cursors WHERE name = ?"),
      initCursor: db.prepare(
        "INSERT INTO webhook_cursors (name, seq, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
      ),
      moveCursor: db.prepare(
        "UPDATE webhook_cursors SET seq = @to, updated_at = @now WHERE name = @name AND seq = @from",
      ),
      insertDelivery: db.prepare(
        `INSERT INTO webhook_deliveries (id, endpoint_id, owner, event_id, event_seq, event_index, event_type, run_id,
           body, status, attempts, next_attempt_at, created_at)
         VALUES (@id, @endpoint_id, @owner, @event_id, @event_seq, @event_index, @event_type, @run_id,
           @body, 'pending', 0, @created_at, @created_at)
         ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      ),
      claimable: db.prepare<ClaimRow>(CLAIMABLE),
      anyDue: db.prepare<{ one: number }>(
        `SELECT 1 AS one FROM webhook_deliveries INDEXED BY webhook_deliveries_due
         WHERE status = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now) LIMIT 1`,
      ),
      lease: db.prepare("UPDATE webhook_deliveries SET lease = @lease, lease_until = @until WHERE id = @id"),
      record: db.prepare(
        `UPDATE webhook_deliveries
         SET status = @status, attempts = attempts + 1, next_attempt_at = @next, lease = NULL, lease_until = NULL,
             last_attempt_at = @at, last_status_code = @code, last_error = @error,
             delivered_at = coalesce(@delivered, delivered_at), finished_at = @finished
         WHERE id = @id AND lease = @lease AND status = 'pending'`,
      ),
      release: db.prepare(
        `UPDATE webhook_deliveries SET lease = NULL, lease_until = NULL
         WHERE id = @id AND lease = @lease AND status = 'pending'`,
      ),
      sweep: db.prepare(
        `DELETE FROM webhook_deliveries WHERE n IN (
           SELECT n FROM webhook_deliveries
           WHERE status = @status AND finished_at < @before LIMIT 1000)`,
      ),
    };
  }

  async createEndpoint(input: CreateWebhookInput): Promise<CreatedWebhook> {
    const valid = validateCreateWebhook(input);
    const row: EndpointRow = {
      id: generateEndpointId(),
      owner: valid.owner,
      url: valid.url,
      events: valid.events ? JSON.stringify(valid.events) : null,
      description: valid.description ?? null,
      created_at: this.clock(),
      disabled_at: null,
    };
    const secret = generateWebhookSecret();
    await writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          const count = this.sql.countEndpoints.get(row.owner)?.n ?? 0;
          if (count >= WEBHOOK_LIMITS.endpointsPerOwner) throw tooManyEndpoints();
          this.sql.insertEndpoint.run({ ...row, secret });
        })
        .immediate(),
    );
    return { secret, endpoint: toWebhookEndpoint(row) };
  }

  async listEndpoints(owner: string | null): Promise<WebhookEndpoint[]> {
    return this.sql.endpoints.all({ owner }).map(toWebhookEndpoint);
  }

  async getEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null> {
    const row = this.sql.endpoint.get({ id, owner });
    return row ? toWebhookEndpoint(row) : null;
  }

  async setEndpointDisabled(
    id: string,
    disabled: boolean,
    owner: string | null,
    now = this.clock(),
  ): Promise<WebhookEndpoint | null> {
    await writeWhenFree(this.db, () => this.sql.setDisabled.run({ id, owner, disabled: disabled ? 1 : 0, now }));
    return this.getEndpoint(id, owner);
  }

  async removeEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null> {
    return writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          const row = this.sql.endpoint.get({ id, owner });
          if (!row) return null;
          this.sql.removeEndpoint.run(id); // its deliveries go with it (ON DELETE CASCADE)
          return toWebhookEndpoint(row);
        })
        .immediate(),
    );
  }

  async listDeliveries(owner: string | null, options?: ListDeliveriesOptions): Promise<WebhookDelivery[]> {
    const valid = validateListDeliveries(options);
    const before = valid.cursor ? (this.sql.positionOf.get({ id: valid.cursor, owner })?.n ?? 0) : BEFORE_ALL;
    return this.sql.deliveries
      .all({
        owner,
        endpoint: valid.endpointId ?? null,
        status: valid.status ?? null,
        before,
        limit: valid.limit ?? 50,
      })
      .map(toWebhookDelivery);
  }

  async getDelivery(id: string, owner: string | null): Promise<WebhookDeliveryDetail | null> {
    const row = this.sql.delivery.get({ id, owner });
    return row ? toWebhookDeliveryDetail(row) : null;
  }

  async countDeliveries(owner: string | null, endpointId?: string): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const row of this.sql.counts.all({ owner, endpoint: endpointId ?? null })) counts[row.status] = row.n;
    return counts;
  }

  async replayDelivery(id: string, owner: string | null, now: number): Promise<WebhookDelivery | null> {
    return writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          this.sql.replay.run({ id, owner, now });
          const row = this.sql.delivery.get({ id, owner });
          return row ? toWebhookDelivery(row) : null;
        })
        .immediate(),
    );
  }

  async replayDead(endpointId: string, owner: string | null, now: number): Promise<number | null> {
    return writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          if (!this.sql.endpoint.get({ id: endpointId, owner })) return null;
          return this.sql.replayDead.run({ endpoint: endpointId, now }).changes;
        })
        .immediate(),
    );
  }

  async hasLiveEndpoints(): Promise<boolean> {
    return this.sql.anyLive.get() !== undefined;
  }

  async readCursor(name: string): Promise<number | null> {
    return this.sql.cursor.get(name)?.seq ?? null;
  }

  async initCursor(name: string, seq: number, now: number): Promise<number> {
    await writeWhenFree(this.db, () => this.sql.initCursor.run(name, seq, now));
    return this.sql.cursor.get(name)?.seq ?? seq;
  }

  async enqueue(
    name: string,
    fromSeq: number,
    toSeq: number,
    events: readonly HeadwayEvent[],
    now: number,
  ): Promise<EnqueueResult> {
    return writeWhenFree(this.db, () =>
      this.db
        .transaction((): EnqueueResult => {
          if (this.sql.moveCursor.run({ name, from: fromSeq, to: toSeq, now }).changes === 0) {
            return { advanced: false, cursor: this.sql.cursor.get(name)?.seq ?? fromSeq, inserted: 0 };
          }
          const endpoints = events.length > 0 ? this.sql.liveEndpointsOf.all(JSON.stringify(ownersOf(events))) : [];
          let inserted = 0;
          for (const row of planDeliveries(endpoints, events, now)) inserted += this.insert(row);
          return { advanced: true, cursor: toSeq, inserted };
        })
        .immediate(),
    );
  }

  async claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const { now, limit, leaseMs, lease } = options;
    // A look without the write lock first: most looks find nothing due, and need not wait for the writer.
    if (!this.sql.anyDue.get({ now })) return [];
    return writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          const rows = this.sql.claimable.all({ now, limit });
          for (const row of rows) this.sql.lease.run({ id: row.id, lease, until: now + leaseMs });
          return rows.map((row) => toClaimedDelivery(row, lease));
        })
        .immediate(),
    );
  }

  async recordAttempts(outcomes: readonly AttemptOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    return writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          let counted = 0;
          for (const outcome of outcomes) counted += this.sql.record.run(recordParams(outcome)).changes;
          return counted;
        })
        .immediate(),
    );
  }

  async release(ids: readonly string[], lease: string): Promise<void> {
    if (ids.length === 0) return;
    await writeWhenFree(this.db, () =>
      this.db
        .transaction(() => {
          for (const id of ids) this.sql.release.run({ id, lease });
        })
        .immediate(),
    );
  }

  async sweepDeliveries(deliveredBefore: number, deadBefore: number): Promise<number> {
    let total = 0;
    for (const [status, before] of [
      ["delivered", deliveredBefore],
      ["dead", deadBefore],
    ] as const) {
      // Small transactions, so a large sweep never holds the write lock for long.
      for (;;) {
        const deleted = (await writeWhenFree(this.db, () => this.sql.sweep.run({ status, before }))).changes;
        total += deleted;
        if (deleted < 1000) break;
      }
    }
    return total;
  }

  private insert(row: DeliveryInsert): number {
    return this.sql.insertDelivery.run(row).changes;
  }
}
