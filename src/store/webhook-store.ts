import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  type EventType,
  type HeadwayEvent,
  LIMITS,
  ownerSchema,
  parseInput,
  requiredString,
  strictObject,
} from "../core/index.js";

/**
 * Webhooks, as the store keeps them.
 *
 * - endpoint: a URL an owner subscribed, with a signing secret and an
 *   optional filter of event types.
 * - delivery: one event for one endpoint, a row of the durable outbox:
 *   `pending` (waiting, in flight or backing off), `delivered` (a 2xx came
 *   back) or `dead` (every attempt failed; replay makes it pending again).
 * - cursor: the last commit of the change feed the dispatcher has turned
 *   into deliveries. It moves in the same transaction as the deliveries are
 *   inserted, and only from the value the dispatcher read (compare-and-set),
 *   so several dispatchers on one database never enqueue a commit twice.
 * - lease: a claimed delivery is leased to one attempt for a while; another
 *   dispatcher takes it only once the lease has run out (its holder died).
 */

/** Every event type an endpoint may subscribe to: all of them. */
export const WEBHOOK_EVENT_TYPES = [
  "run.progress.started",
  "run.progress.updated",
  "run.deleted",
  "run.status.update",
  "notification.created",
] as const satisfies readonly EventType[];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
// A new event type must be added above: this line stops compiling until it is.
const everyTypeListed: Exclude<EventType, WebhookEventType> extends never ? true : never = true;
void everyTypeListed;

export const DELIVERY_STATUSES = ["pending", "delivered", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const WEBHOOK_LIMITS = {
  urlChars: 2048,
  descriptionChars: 200,
  /** Endpoints one owner may have. */
  endpointsPerOwner: 50,
  /** Stored text of the last failure. */
  errorChars: 500,
  idChars: 64,
} as const satisfies Record<string, number>;

/** A subscribed URL. Its secret is shown once, at creation; no read returns it. */
export interface WebhookEndpoint {
  id: string;
  owner: string;
  url: string;
  /** The event types delivered; null means every type. */
  events: WebhookEventType[] | null;
  description: string | null;
  createdAt: string;
  /** Set while deliveries are paused; new events are not enqueued and pending ones wait. */
  disabledAt: string | null;
}

export interface CreateWebhookInput {
  owner: string;
  /** An absolute http:// or https:// URL, up to 2048 characters, without a user name or password. */
  url: string;
  /** Event types to deliver, from WEBHOOK_EVENT_TYPES. (Default: all) */
  events?: readonly string[] | null;
  /** A note shown in lists, up to 200 characters. */
  description?: string | null;
}

export interface CreatedWebhook {
  /** The signing secret (`whsec_…`, Standard Webhooks format). Store it now: it is not shown again. */
  secret: string;
  endpoint: WebhookEndpoint;
}

/** One event for one endpoint. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  owner: string;
  /** The event's id, sent as `webhook-id`: the same on every attempt, so receivers can drop repeats. */
  eventId: string;
  eventType: string;
  runId: string | null;
  status: DeliveryStatus;
  /** Attempts made (a replay starts again from 0). */
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  /** The HTTP status of the last attempt; null when none came back (timeout, refused connection). */
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** A delivery with the exact body it sends. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  body: string;
}

export interface ListDeliveriesOptions {
  /** Only this endpoint's. */
  endpointId?: string;
  status?: DeliveryStatus;
  /** (Default: 50, at most 500) */
  limit?: number;
  /** The last id of the previous page: deliveries are listed newest first. */
  cursor?: string;
}

/** A delivery claimed for one attempt: where to send what, signed with which secret. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  eventId: string;
  body: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The claim's lease token: the attempt's outcome is recorded only while it still holds the lease. */
  lease: string;
}

/** The outcome of one attempt. `retryAt` null on a failure means dead: no attempt is left. */
export type AttemptOutcome =
  | { id: string; lease: string; at: number; ok: true; statusCode: number }
  | {
      id: string;
      lease: string;
      at: number;
      ok: false;
      statusCode: number | null;
      error: string;
      retryAt: number | null;
    };

export interface EnqueueResult {
  /** Whether the cursor moved from `fromSeq` to `toSeq`; false when another dispatcher moved it first. */
  advanced: boolean;
  /** Where the cursor is now. */
  cursor: number;
  /** Deliveries inserted. */
  inserted: number;
}

export interface ClaimOptions {
  now: number;
  limit: number;
  /** How long the attempt may take before another dispatcher may take the delivery, in ms. */
  leaseMs: number;
  lease: string;
}

/** Endpoints, the delivery outbox and the dispatcher's cursor. Every backend passes `test/store/webhook-backends.test.ts`. */
export interface WebhookStore {
  /** Validates (a ValidationError names the field and limit) and stores an endpoint with a fresh secret. */
  createEndpoint(input: CreateWebhookInput): Promise<CreatedWebhook>;
  /** Endpoints in creation order; `owner` null lists every owner's (the CLI on its own database). */
  listEndpoints(owner: string | null): Promise<WebhookEndpoint[]>;
  /** Null when missing or, with `owner` given, another owner's: the two look the same. */
  getEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null>;
  /** Pauses (true) or resumes (false) an endpoint; null when not found. */
  setEndpointDisabled(
    id: string,
    disabled: boolean,
    owner: string | null,
    now?: number,
  ): Promise<WebhookEndpoint | null>;
  /** Removes an endpoint and its deliveries; returns it, or null when not found. */
  removeEndpoint(id: string, owner: string | null): Promise<WebhookEndpoint | null>;

  /** Deliveries, newest first. */
  listDeliveries(owner: string | null, options?: ListDeliveriesOptions): Promise<WebhookDelivery[]>;
  getDelivery(id: string, owner: string | null): Promise<WebhookDeliveryDetail | null>;
  /** How many deliveries of the owner (of one endpoint, when given) are in each status. */
  countDeliveries(owner: string | null, endpointId?: string): Promise<Record<DeliveryStatus, number>>;
  /**
   * Sends a delivery again: a dead or delivered one becomes pending with a
   * fresh set of attempts, due now; a pending one not in flight is due now.
   * Null when not found.
   */
  replayDelivery(id: string, owner: string | null, now: number): Promise<WebhookDelivery | null>;
  /** Replays every dead delivery of an endpoint; the count, or null when the endpoint is not found. */
  replayDead(endpointId: string, owner: string | null, now: number): Promise<number | null>;

  /** Whether any endpoint, of any owner, is enabled: with none, the dispatcher need not read the feed at all. */
  hasLiveEndpoints(): Promise<boolean>;
  /** The cursor's commit sequence, or null when none is stored. */
  readCursor(name: string): Promise<number | null>;
  /** Stores `seq` as the cursor unless one exists; returns the stored value. */
  initCursor(name: string, seq: number, now: number): Promise<number>;
  /**
   * In one transaction: moves the cursor from `fromSeq` to `toSeq` (only if it
   * is still at `fromSeq`) and inserts a delivery for each (endpoint, event)
   * where the endpoint is live, the owner's, wants the type and existed when
   * the event happened. Idempotent per (endpoint, event).
   */
  enqueue(
    name: string,
    fromSeq: number,
    toSeq: number,
    events: readonly HeadwayEvent[],
    now: number,
  ): Promise<EnqueueResult>;
  /**
   * Leases due deliveries of live endpoints, oldest due first, skipping any
   * with an earlier pending delivery of the same run to the same endpoint
   * (per-run order) and any another claim holds.
   */
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Records attempts' outcomes; an outcome whose lease was lost (taken over) is ignored. Returns how many counted. */
  recordAttempts(outcomes: readonly AttemptOutcome[]): Promise<number>;
  /** Gives leased deliveries back unattempted (a dispatcher shutting down), due at once. */
  release(ids: readonly string[], lease: string): Promise<void>;
  /** Deletes delivered deliveries finished before `deliveredBefore` and dead ones before `deadBefore`; returns how many. */
  sweepDeliveries(deliveredBefore: number, deadBefore: number): Promise<number>;
}

const WEBHOOK_ID = /^[A-Za-z0-9_-]+$/;

/** An endpoint or delivery id as a caller may send it: bounded, no path or query characters. */
export const webhookIdSchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(WEBHOOK_LIMITS.idChars, { error: `must be at most ${WEBHOOK_LIMITS.idChars} characters` })
  .regex(WEBHOOK_ID, { error: "must use only letters, digits, _ and -" });

const urlSchema = requiredString(WEBHOOK_LIMITS.urlChars).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be an absolute URL like "https://example.com/hooks/headway"' });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `must use http:// or https:// (got ${url.protocol})` });
  } else if (url.username || url.password) {
    ctx.addIssue({
      code: "custom",
      message: "must not carry a user name or password; put a token in the path or query",
    });
  }
});

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}` }), {
    error: "must be an array of event types",
  })
  .min(1, { error: "must list at least one event type (leave it out for all)" })
  .max(WEBHOOK_EVENT_TYPES.length * 2, { error: `must list at most ${WEBHOOK_EVENT_TYPES.length * 2} event types` })
  .transform((types) => WEBHOOK_EVENT_TYPES.filter((type) => types.includes(type)));

/** What a caller sends to create an endpoint (the owner comes from elsewhere: the token, or `--owner`). */
export const webhookFieldsShape = {
  url: urlSchema,
  events: eventsSchema.nullish(),
  description: requiredString(WEBHOOK_LIMITS.descriptionChars).nullish(),
};

export const createWebhookSchema = strictObject({ owner: ownerSchema, ...webhookFieldsShape });

export function validateCreateWebhook(input: unknown): z.output<typeof createWebhookSchema> {
  return parseInput(createWebhookSchema, input, "input");
}

export const listDeliveriesSchema = strictObject({
  endpointId: webhookIdSchema.optional(),
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional(),
  limit: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .optional(),
  cursor: webhookIdSchema.optional(),
});

export function validateListDeliveries(options: unknown): ListDeliveriesOptions {
  return parseInput(listDeliveriesSchema, options ?? {}, "options");
}

/** `whsec_` and 24 random bytes in base64: the Standard Webhooks secret format (the key is the decoded bytes). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export function generateEndpointId(): string {
  return `whe_${randomBytes(9).toString("base64url")}`;
}

export function generateDeliveryId(): string {
  return `whd_${randomBytes(12).toString("base64url")}`;
}
