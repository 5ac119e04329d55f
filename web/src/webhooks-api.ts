/**
 * The owner's webhooks API as the dashboard calls it: same-origin, on the
 * session cookie, at the path the server announces in
 * `<meta name="headway-webhooks-path">` (absent: this server has no webhooks API).
 */
import type { WebhookDelivery, WebhookEndpoint } from "../../src/store/webhook-store.js";

export type { WebhookDelivery, WebhookEndpoint };
export type EndpointWithCounts = WebhookEndpoint & { deliveries: { pending: number; delivered: number; dead: number } };

export function webhooksPath(): string | null {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="headway-webhooks-path"]');
  return meta?.content || null;
}

async function call<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...init.headers },
  });
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  return body as T;
}

export function webhooksApi(base: string) {
  return {
    endpoints: () => call<{ endpoints: EndpointWithCounts[] }>(base, "").then((b) => b.endpoints),
    dead: () =>
      call<{ deliveries: WebhookDelivery[] }>(base, "/deliveries?status=dead&limit=100").then((b) => b.deliveries),
    replay: (deliveryId: string) =>
      call<{ delivery: WebhookDelivery }>(base, `/deliveries/${encodeURIComponent(deliveryId)}/replay`, {
        method: "POST",
      }),
    replayDead: (endpointId: string) =>
      call<{ replayed: number }>(base, `/${encodeURIComponent(endpointId)}/replay`, { method: "POST" }),
  };
}
