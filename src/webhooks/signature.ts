import { createHmac, timingSafeEqual } from "node:crypto";
import type { HeadwayEvent } from "../core/events.js";

/**
 * Webhook signatures, Standard Webhooks style (standardwebhooks.com): the
 * sender signs `<webhook-id>.<webhook-timestamp>.<body>` with HMAC-SHA256
 * under the endpoint's secret and sends `webhook-signature: v1,<base64>`.
 * Only `node:crypto`: a receiver imports this without the rest of Headway.
 */

/** The headers every delivery carries (lower-case, as Node's IncomingMessage has them). */
export const WEBHOOK_HEADERS = {
  /** The event id: the same on every attempt, so a receiver can drop repeats. */
  id: "webhook-id",
  /** Seconds since the epoch when the attempt was signed. */
  timestamp: "webhook-timestamp",
  /** Space-separated `v1,<base64 HMAC-SHA256>` signatures; one matching is enough. */
  signature: "webhook-signature",
} as const;

export type WebhookVerificationCode =
  | "missing_header"
  | "bad_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "bad_signature"
  | "bad_secret"
  | "bad_body";

/** A delivery that must not be trusted; `code` says why. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** Headers as a fetch `Headers`, or a plain object such as Node's `request.headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way, in seconds: older deliveries are replays. (Default: 300) */
  toleranceSec?: number;
  /** The current time in ms. (Default: Date.now) */
  now?: () => number;
}

/** The HMAC key of a `whsec_…` secret: the bytes its base64 part decodes to. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new WebhookVerificationError("bad_secret", "the secret is empty or not base64");
  return key;
}

function bytesOf(body: string | Uint8Array): Buffer {
  return typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.length);
}

function hmac(secret: string, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.`).update(bytesOf(body)).digest();
}

/** The `webhook-signature` value for a body: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(secret: string, id: string, timestampSec: number, body: string | Uint8Array): string {
  return `v1,${hmac(secret, id, String(timestampSec), body).toString("base64")}`;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery and returns its event. Throws a WebhookVerificationError
 * when a header is missing, the timestamp is further than `toleranceSec`
 * from now (a replayed or delayed delivery), or no signature matches (a
 * tampered body, another secret). Pass the body exactly as received: parsing
 * and re-serializing JSON changes bytes and breaks the signature.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): HeadwayEvent {
  const { toleranceSec = 300, now = Date.now } = options;
  const id = header(headers, WEBHOOK_HEADERS.id);
  const timestamp = header(headers, WEBHOOK_HEADERS.timestamp);
  const signatures = header(headers, WEBHOOK_HEADERS.signature);
  for (const [name, value] of [
    [WEBHOOK_HEADERS.id, id],
    [WEBHOOK_HEADERS.timestamp, timestamp],
    [WEBHOOK_HEADERS.signature, signatures],
  ] as const) {
    if (!value) throw new WebhookVerificationError("missing_header", `the ${name} header is missing`);
  }
  if (!/^\d{1,15}$/.test(timestamp as string)) {
    throw new WebhookVerificationError("bad_timestamp", "the webhook-timestamp header is not a number of seconds");
  }
  const age = Math.floor(now() / 1000) - Number(timestamp);
  if (age > toleranceSec) {
    throw new WebhookVerificationError(
      "timestamp_too_old",
      `the delivery was signed ${age} s ago, more than the ${toleranceSec} s allowed`,
    );
  }
  if (age < -toleranceSec) {
    throw new WebhookVerificationError(
      "timestamp_too_new",
      `the delivery is signed ${-age} s in the future, more than the ${toleranceSec} s allowed`,
    );
  }
  const expected = hmac(secret, id as string, timestamp as string, body);
  const matches = (signatures as string).split(" ").some((entry) => {
    const [version, encoded] = entry.split(",", 2);
    if (version !== "v1" || !encoded) return false;
    const given = Buffer.from(encoded, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches)
    throw new WebhookVerificationError("bad_signature", "no signature in webhook-signature matches the body");
  try {
    return JSON.parse(bytesOf(body).toString("utf8")) as HeadwayEvent;
  } catch {
    throw new WebhookVerificationError("bad_body", "the body is not JSON");
  }
}
