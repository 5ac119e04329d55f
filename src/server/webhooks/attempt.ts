import { signWebhook, WEBHOOK_HEADERS } from "../../webhooks/signature.js";

/** What one POST came to. */
export type AttemptResult =
  | { ok: true; statusCode: number }
  | { ok: false; statusCode: number | null; error: string; retryAfterMs?: number };

export interface AttemptRequest {
  url: string;
  secret: string;
  /** The event id, sent as `webhook-id`. */
  eventId: string;
  body: string;
  /** Seconds since the epoch, sent as `webhook-timestamp` and signed. */
  timestampSec: number;
  timeoutMs: number;
  /** Aborts the attempt (the dispatcher shutting down); the caller tells this apart from a timeout. */
  signal: AbortSignal;
}

export const USER_AGENT = "Headway-Webhooks/1";
/** Bytes of a failed response's body kept for `lastError`. */
const ERROR_BODY_BYTES = 256;

/**
 * POSTs one delivery, signed. A 2xx is delivered; anything else is a
 * failure with a reason: the status and the start of the body, a timeout, a
 * refused connection. Redirects are not followed (a 3xx is a failure: the
 * endpoint's URL should be updated instead), so a delivery never lands
 * somewhere its owner did not name.
 */
export async function postDelivery(request: AttemptRequest): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.any([request.signal, timeout]),
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        [WEBHOOK_HEADERS.id]: request.eventId,
        [WEBHOOK_HEADERS.timestamp]: String(request.timestampSec),
        [WEBHOOK_HEADERS.signature]: signWebhook(request.secret, request.eventId, request.timestampSec, request.body),
      },
      body: request.body,
    });
  } catch (error) {
    if (request.signal.aborted) throw error;
    if (timeout.aborted) return { ok: false, statusCode: null, error: `timed out after ${request.timeoutMs} ms` };
    return { ok: false, statusCode: null, error: describeFetchError(error) };
  }
  const statusCode = response.status;
  if (statusCode >= 200 && statusCode < 300) {
    await response.body?.cancel().catch(() => {});
    return { ok: true, statusCode };
  }
  const text = await readStart(response, ERROR_BODY_BYTES);
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
  const reason =
    statusCode >= 300 && statusCode < 400
      ? `HTTP ${statusCode} redirect to ${response.headers.get("location") ?? "nowhere"} (redirects are not followed)`
      : `HTTP ${statusCode}${text ? `: ${text}` : ""}`;
  return { ok: false, statusCode, error: reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** The cause a failed fetch hides in `cause` (ECONNREFUSED, ENOTFOUND, a TLS error). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.message === "bad port")
    return "bad port: fetch refuses this port (see the Fetch standard's port blocking)";
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return cause?.message ?? (error as Error)?.message ?? String(error);
}

/** At most `limit` bytes of the body as text; the rest is not read. */
async function readStart(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a body cut short still says what it said so far
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8").trim();
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
