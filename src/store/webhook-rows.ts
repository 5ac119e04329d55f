import { clipText, type HeadwayEvent, parseEventId, ValidationError } from "../core/index.js";
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  type DeliveryStatus,
  generateDeliveryId,
  WEBHOOK_LIMITS,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookEndpoint,
  type WebhookEventType,
} from "./webhook-store.js";

/**
 * `webhook_endpoints` and `webhook_deliveries` rows as every backend reads
 * them (times in epoch ms), their public shapes, and which deliveries a page
 * of events makes: one set of rules, whichever backend stores them.
 */

/** The `webhook_endpoints` columns every backend selects, in `EndpointRow` order (the secret is never among them). */
export const ENDPOINT_COLUMNS = "id, owner, url, events, description, created_at, disabled_at";

/** The `webhook_deliveries` columns of a `DeliveryRow`. */
export const DELIVERY_COLUMNS = `id, endpoint_id, owner, event_id, event_type, run_id, status, attempts,
  next_attempt_at, last_attempt_at, last_status_code, last_error, created_at, delivered_at`;

export interface EndpointRow {
  id: string;
  owner: string;
  url: string;
  /** JSON array of event types; null = every type. */
  events: string | null;
  description: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  owner: string;
  event_id: string;
  event_type: string;
  run_id: string | null;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** A new outbox row, as `enqueue` inserts it. */
export interface DeliveryInsert {
  id: string;
  endpoint_id: string;
  owner: string;
  event_id: string;
  event_seq: number;
  event_index: number;
  event_type: string;
  run_id: string | null;
  body: string;
  created_at: number;
}

/** A claimed row: the delivery and where it goes. */
export interface ClaimRow {
  id: string;
  endpoint_id: string;
  url: string;
  secret: string;
  event_id: string;
  body: string;
  attempts: number;
}

/** A claimed row as the dispatcher takes it, under the lease that claimed it. */
export function toClaimedDelivery(row: ClaimRow, lease: string): ClaimedDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    url: row.url,
    secret: row.secret,
    eventId: row.event_id,
    body: row.body,
    attempts: row.attempts,
    lease,
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

export function toWebhookEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    owner: row.owner,
    url: row.url,
    events: row.events === null ? null : (JSON.parse(row.events) as WebhookEventType[]),
    description: row.description,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    disabledAt: iso(row.disabled_at),
  };
}

export function toWebhookDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    owner: row.owner,
    eventId: row.event_id,
    eventType: row.event_type,
    runId: row.run_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
    lastAttemptAt: iso(row.last_attempt_at),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    deliveredAt: iso(row.delivered_at),
  };
}

export function toWebhookDeliveryDetail(row: DeliveryRow & { body: string }): WebhookDeliveryDetail {
  return { ...toWebhookDelivery(row), body: row.body };
}

/** The run an event concerns, for per-run order: the run it carries, or a `runId` in its payload. */
export function runIdOf(event: HeadwayEvent): string | null {
  if (event.run) return event.run.id;
  const runId = (event.payload as { runId?: unknown } | undefined)?.runId;
  return typeof runId === "string" ? runId : null;
}

/** Whether an endpoint takes an event: the owner's, live, subscribed to its type, and existing when it happened. */
export function endpointWants(endpoint: EndpointRow, event: HeadwayEvent): boolean {
  if (endpoint.owner !== event.owner || endpoint.disabled_at !== null) return false;
  if (Number(endpoint.created_at) > Date.parse(event.at)) return false;
  if (endpoint.events === null) return true;
  return (JSON.parse(endpoint.events) as string[]).includes(event.type);
}

/** The owners a page of events concerns: only their endpoints need loading. */
export function ownersOf(events: readonly HeadwayEvent[]): string[] {
  return [...new Set(events.map((event) => event.owner))];
}

/** The outbox rows a page of events makes for the endpoints given (each event's body serialized once). */
export function planDeliveries(
  endpoints: readonly EndpointRow[],
  events: readonly HeadwayEvent[],
  now: number,
): DeliveryInsert[] {
  const rows: DeliveryInsert[] = [];
  for (const event of events) {
    const wanting = endpoints.filter((endpoint) => endpointWants(endpoint, event));
    if (wanting.length === 0) continue;
    const position = parseEventId(event.id);
    if (!position) throw new Error(`event id ${event.id} is not <seq>-<index>`);
    const body = JSON.stringify(event);
    for (const endpoint of wanting) {
      rows.push({
        id: generateDeliveryId(),
        endpoint_id: endpoint.id,
        owner: event.owner,
        event_id: event.id,
        event_seq: position.commitSeq,
        event_index: position.index,
        event_type: event.type,
        run_id: runIdOf(event),
        body,
        created_at: now,
      });
    }
  }
  return rows;
}

/** A failure's text as stored: one line, bounded. */
export function storedError(error: string): string {
  return clipText(error.replace(/\s+/g, " ").trim(), WEBHOOK_LIMITS.errorChars, "…");
}

export function tooManyEndpoints(): ValidationError {
  return new ValidationError(
    "owner",
    `may have at most ${WEBHOOK_LIMITS.endpointsPerOwner} webhook endpoints; remove one first`,
  );
}

/** The columns one attempt's outcome sets, the same for every backend. */
export function recordParams(outcome: AttemptOutcome) {
  const dead = !outcome.ok && outcome.retryAt === null;
  return {
    id: outcome.id,
    lease: outcome.lease,
    at: outcome.at,
    status: outcome.ok ? "delivered" : dead ? "dead" : "pending",
    next: outcome.ok ? null : outcome.retryAt,
    code: outcome.statusCode,
    error: outcome.ok ? null : storedError(outcome.error),
    delivered: outcome.ok ? outcome.at : null,
    finished: outcome.ok || dead ? outcome.at : null,
  };
}
