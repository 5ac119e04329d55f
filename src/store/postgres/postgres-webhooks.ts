import type { HeadwayEvent } from "../../core/index.js";
import {
  type ClaimRow,
  DELIVERY_COLUMNS,
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
import type { PgClientLike } from "./postgres-driver.js";

/** `$n` is the parameter number of the owner: scoped when given, every owner's when null. */
const owned = (n: number) => `($${n}::text IS NULL OR owner = $${n})`;

const SQL = {
  // The per-owner limit is checked in the statement itself (a soft limit: two creates at once may both pass).
  insertEndpoint: `INSERT INTO webhook_endpoints (id, owner, url, events, description, secret, created_at)
    SELECT $1, $2, $3, $4, $5, $6, $7 WHERE (SELECT count(*) FROM webhook_endpoints WHERE owner = $2) < $8
    RETURNING id`,
  endpoint: `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND ${owned(2)}`,
  endpoints: `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ${owned(1)} ORDER BY created_at, id`,
  anyLive: "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL) AS found",
  liveEndpointsOf: `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
    WHERE owner = ANY($1::text[]) AND disabled_at IS NULL`,
  setDisabled: `UPDATE webhook_endpoints SET disabled_at = CASE WHEN $3::boolean THEN coalesce(disabled_at, $4) END
    WHERE id = $1 AND ${owned(2)} RETURNING ${ENDPOINT_COLUMNS}`,
  removeEndpoint: `DELETE FROM webhook_endpoints WHERE id = $1 AND ${owned(2)} RETURNING ${ENDPOINT_COLUMNS}`,
  positionOf: `SELECT n FROM webhook_deliveries WHERE id = $1 AND ${owned(2)}`,
  deliveries: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
    WHERE ${owned(1)} AND ($2::text IS NULL OR endpoint_id = $2) AND ($3::text IS NULL OR status = $3) AND n < $4
    ORDER BY n DESC LIMIT $5`,
  delivery: `SELECT ${DELIVERY_COLUMNS}, body FROM webhook_deliveries WHERE id = $1 AND ${owned(2)}`,
  counts: `SELECT status, count(*) AS n FROM webhook_deliveries
    WHERE ${owned(1)} AND ($2::text IS NULL OR endpoint_id = $2) GROUP BY status`,
  replay: `UPDATE webhook_deliveries
    SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
        status = 'pending', next_attempt_at = $3, finished_at = NULL
    WHERE id = $1 AND ${owned(2)} AND (status <> 'pending' OR lease_until IS NULL OR lease_until <= $3)`,
  replayDead: `WITH endpoint AS (SELECT id FROM webhook_endpoints WHERE id = $1 AND ${owned(2)}),
    replayed AS (
      UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, finished_at = NULL
      WHERE endpoint_id IN (SELECT id FROM endpoint) AND status = 'dead' RETURNING 1)
    SELECT (SELECT count(*) FROM endpoint) AS found, (SELECT count(*) FROM replayed) AS replayed`,
  cursor: "SELECT seq FROM webhook_cursors WHERE name = $1",
  initCursor: `INSERT INTO webhook_cursors (name, seq, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO NOTHING`,
  // One statement: the cursor moves only from where this dispatcher read it (a second dispatcher's
  // UPDATE waits for the first to commit, then finds the cursor moved and inserts nothing).
  enqueue: `WITH moved AS (
      UPDATE webhook_cursors SET seq = $3, updated_at = $4 WHERE name = $1 AND seq = $2 RETURNING seq),
    inserted AS (
      INSERT INTO webhook_deliveries (id, endpoint_id, owner, event_id, event_seq, event_index, event_type, run_id,
        body, status, attempts, next_attempt_at, created_at)
      SELECT x.id, x.endpoint_id, x.owner, x.event_id, x.event_seq, x.event_index, x.event_type, x.run_id,
        x.body, 'pending', 0, x.created_at, x.created_at
      FROM jsonb_to_recordset($5::text::jsonb) AS x(id text, endpoint_id text, owner text, event_id text,
        event_seq bigint, event_index integer, event_type text, run_id text, body text, created_at bigint)
      WHERE EXISTS (SELECT 1 FROM moved) AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = x.endpoint_id)
      ORDER BY x.event_seq, x.event_index
      ON CONFLICT (endpoint_id, event_id) DO NOTHING
      RETURNING 1)
    SELECT (SELECT count(*) FROM moved) AS advanced, (SELECT count(*) FROM inserted) AS inserted`,
  // Rows another dispatcher is claiming are skipped, not waited for; a row it has just leased fails the
  // lease condition when re-checked under the lock.
  claim: `WITH due AS (
      SELECT d.n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
        AND e.disabled_at IS NULL
        AND (d.run_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM webhook_deliveries p
          WHERE p.endpoint_id = d.endpoint_id AND p.run_id = d.run_id AND p.status = 'pending'
            AND (p.event_seq < d.event_seq OR (p.event_seq = d.event_seq AND p.event_index < d.event_index))))
      ORDER BY d.next_attempt_at, d.event_seq, d.event_index
      LIMIT $2
      FOR UPDATE OF d SKIP LOCKED)
    UPDATE webhook_deliveries d SET lease = $3, lease_until = $4
    FROM due, webhook_endpoints e
    WHERE d.n = due.n AND e.id = d.endpoint_id
    RETURNING d.id, d.endpoint_id, e.url, e.secret, d.event_id, d.body, d.attempts,
      d.next_attempt_at, d.event_seq, d.event_index`,
  record: `UPDATE webhook_deliveries d
    SET status = x.status, attempts = d.attempts + 1, next_attempt_at = x.next, lease = NULL, lease_until = NULL,
        last_attempt_at = x.at, last_status_code = x.code, last_error = x.error,
        delivered_at = coalesce(x.delivered, d.delivered_at), finished_at = x.finished
    FROM jsonb_to_recordset($1::text::jsonb) AS x(id text, lease text, at bigint, status text, next bigint,
      code integer, error text, delivered bigint, finished bigint)
    WHERE d.id = x.id AND d.lease = x.lease AND d.status = 'pending'
    RETURNING d.id`,
  release: `UPDATE webhook_deliveries SET lease = NULL, lease_until = NULL
    WHERE id = ANY($1::text[]) AND lease = $2 AND status = 'pending'`,
  sweep: `WITH gone AS (
      DELETE FROM webhook_deliveries WHERE n IN (
        SELECT n FROM webhook_deliveries WHERE status = $1 AND finished_at < $2 LIMIT 1000 FOR UPDATE SKIP LOCKED)
      RETURNING 1)
    SELECT count(*) AS n FROM gone`,
};

type Row<T> = T & Record<string, unknown>;
type ClaimedRow = Row<ClaimRow & { next_attempt_at: number; event_seq: number; event_index: number }>;

/** Webhooks in tables of the same schema as the runs; SQLite's semantics, each write one statement. */
export class PostgresWebhookStore implements WebhookStore {
  constructor(
    private readonly client: PgClientLike,
    private readonly ready: Promise<unknown>,
    private readonly clock: () => number = Date.now,
  ) {}

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
    const inserted = await this.run(SQL.insertEndpoint, [
      row.id,
      row.owner,
      row.url,
      row.events,
      row.description,
      secret,
      row.created_at,
      WEBHOOK_LIMITS.endpointsPerOwner,
    ]);
    if (inserted.length === 0) throw tooManyEndpoints();
    return { secret, endpoint: toWebhookEndpoint(row) };
  }

  async listEndpoints(owner: string | null): Promise<WebhookEndpoint[]> {
    return (await this.run<Row<EndpointRow>>(SQL.endpoints, [owner])).map(toWebhookEndpoint);
  }

  async getEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null> {
    const [row] = await this.run<Row<EndpointRow>>(SQL.endpoint, [id, owner]);
    return row ? toWebhookEndpoint(row) : null;
  }

  async setEndpointDisabled(
    id: string,
    disabled: boolean,
    owner: string | null,
    now = this.clock(),
  ): Promise<WebhookEndpoint | null> {
    const [row] = await this.run<Row<EndpointRow>>(SQL.setDisabled, [id, owner, disabled, now]);
    return row ? toWebhookEndpoint(row) : null;
  }

  async removeEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null> {
    const [row] = await this.run<Row<EndpointRow>>(SQL.removeEndpoint, [id, owner]);
    return row ? toWebhookEndpoint(row) : null;
  }

  async listDeliveries(owner: string | null, options?: ListDeliveriesOptions): Promise<WebhookDelivery[]> {
    const valid = validateListDeliveries(options);
    let before = Number.MAX_SAFE_INTEGER;
    if (valid.cursor) {
      const [position] = await this.run<{ n: number }>(SQL.positionOf, [valid.cursor, owner]);
      before = position?.n ?? 0;
    }
    const rows = await this.run<Row<DeliveryRow>>(SQL.deliveries, [
      owner,
      valid.endpointId ?? null,
      valid.status ?? null,
      before,
      valid.limit ?? 50,
    ]);
    return rows.map(toWebhookDelivery);
  }

  async getDelivery(id: string, owner: string | null): Promise<WebhookDeliveryDetail | null> {
    const [row] = await this.run<Row<DeliveryRow & { body: string }>>(SQL.delivery, [id, owner]);
    return row ? toWebhookDeliveryDetail(row) : null;
  }

  async countDeliveries(owner: string | null, endpointId?: string): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, dead: 0 };
    const rows = await this.run<{ status: DeliveryStatus; n: number }>(SQL.counts, [owner, endpointId ?? null]);
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async replayDelivery(id: string, owner: string | null, now: number): Promise<WebhookDelivery | null> {
    await this.run(SQL.replay, [id, owner, now]);
    const [row] = await this.run<Row<DeliveryRow>>(SQL.delivery, [id, owner]);
    return row ? toWebhookDelivery(row) : null;
  }

  async replayDead(endpointId: string, owner: string | null, now: number): Promise<number | null> {
    const [row] = await this.run<{ found: number; replayed: number }>(SQL.replayDead, [endpointId, owner, now]);
    return row?.found ? row.replayed : null;
  }

  async hasLiveEndpoints(): Promise<boolean> {
    const [row] = await this.run<{ found: boolean }>(SQL.anyLive, []);
    return row?.found === true;
  }

  async readCursor(name: string): Promise<number | null> {
    const [row] = await this.run<{ seq: number }>(SQL.cursor, [name]);
    return row?.seq ?? null;
  }

  async initCursor(name: string, seq: number, now: number): Promise<number> {
    await this.run(SQL.initCursor, [name, seq, now]);
    return (await this.readCursor(name)) ?? seq;
  }

  async enqueue(
    name: string,
    fromSeq: number,
    toSeq: number,
    events: readonly HeadwayEvent[],
    now: number,
  ): Promise<EnqueueResult> {
    const endpoints =
      events.length > 0 ? await this.run<Row<EndpointRow>>(SQL.liveEndpointsOf, [ownersOf(events)]) : [];
    const rows = planDeliveries(endpoints, events, now);
    const [result] = await this.run<{ advanced: number; inserted: number }>(SQL.enqueue, [
      name,
      fromSeq,
      toSeq,
      now,
      JSON.stringify(rows),
    ]);
    if (result?.advanced) return { advanced: true, cursor: toSeq, inserted: result.inserted };
    // Another dispatcher moved it: where to, read in a statement of its own (a fresh snapshot).
    return { advanced: false, cursor: (await this.readCursor(name)) ?? fromSeq, inserted: 0 };
  }

  async claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const { now, limit, leaseMs, lease } = options;
    const rows = await this.run<ClaimedRow>(SQL.claim, [now, limit, lease, now + leaseMs]);
    rows.sort(
      (a, b) => a.next_attempt_at - b.next_attempt_at || a.event_seq - b.event_seq || a.event_index - b.event_index,
    );
    return rows.map((row) => toClaimedDelivery(row, lease));
  }

  async recordAttempts(outcomes: readonly AttemptOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const rows = await this.run(SQL.record, [JSON.stringify(outcomes.map(recordParams))]);
    return rows.length;
  }

  async release(ids: readonly string[], lease: string): Promise<void> {
    if (ids.length === 0) return;
    await this.run(SQL.release, [ids, lease]);
  }

  async sweepDeliveries(deliveredBefore: number, deadBefore: number): Promise<number> {
    let total = 0;
    for (const [status, before] of [
      ["delivered", deliveredBefore],
      ["dead", deadBefore],
    ] as const) {
      for (;;) {
        const [row] = await this.run<{ n: number }>(SQL.sweep, [status, before]);
        const deleted = row?.n ?? 0;
        total += deleted;
        if (deleted < 1000) break;
      }
    }
    return total;
  }

  private async run<R extends Record<string, unknown>>(text: string, params: readonly unknown[]): Promise<R[]> {
    await this.ready;
    return this.client.unsafe<R>(text, params);
  }
}
