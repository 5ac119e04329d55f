import { Hono } from "hono";
import { z } from "zod";
import { LIMITS, parseInput, strictObject } from "../../core/index.js";
import {
  DELIVERY_STATUSES,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookStore,
  webhookFieldsShape,
  webhookIdSchema,
} from "../../store/index.js";
import type { AppEnv } from "../app-env.js";
import { HttpError } from "../http-error.js";
import { parseQuery } from "../query-schemas.js";

export interface DeliveryPage {
  deliveries: WebhookDelivery[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** An endpoint with how many of its deliveries are in each status. */
export type EndpointWithCounts = WebhookEndpoint & { deliveries: Record<(typeof DELIVERY_STATUSES)[number], number> };

const createBodySchema = strictObject(webhookFieldsShape);
const patchBodySchema = strictObject({ disabled: z.boolean({ error: "must be true or false" }) });
const deliveriesQuerySchema = z.object({
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional(),
  endpoint: webhookIdSchema.optional(),
  cursor: webhookIdSchema.optional(),
  limit: z.coerce
    .number({ error: `must be a whole number from 1 to ${LIMITS.listLimitMax}` })
    .int({ error: `must be a whole number from 1 to ${LIMITS.listLimitMax}` })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .optional(),
});

function endpointNotFound(id: string): HttpError {
  // Another owner's endpoint gets the same answer as a missing one, on purpose.
  return new HttpError(404, "webhook_not_found", `webhook endpoint ${id} not found`);
}

function deliveryNotFound(id: string): HttpError {
  return new HttpError(404, "delivery_not_found", `webhook delivery ${id} not found`);
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "validation_error", "body: must be a JSON object");
  }
}

/**
 * The owner's webhooks: endpoints (create, list, pause, remove), their
 * deliveries, and replay. Owner-scoped like the runs API: another owner's
 * endpoint or delivery is a 404, never a 403.
 */
export function webhooksRoutes(store: WebhookStore, clock: () => number = Date.now): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const withCounts = async (endpoint: WebhookEndpoint, owner: string): Promise<EndpointWithCounts> => ({
    ...endpoint,
    deliveries: await store.countDeliveries(owner, endpoint.id),
  });

  routes.get("/", async (c) => {
    const endpoints = await store.listEndpoints(c.var.owner);
    return c.json({ endpoints: await Promise.all(endpoints.map((e) => withCounts(e, c.var.owner))) });
  });

  routes.post("/", async (c) => {
    const fields = parseInput(createBodySchema, await jsonBody(c.req.raw), "body");
    const { endpoint, secret } = await store.createEndpoint({ ...fields, owner: c.var.owner });
    return c.json({ endpoint, secret }, 201);
  });

  // Before `/:id`, which would take "deliveries".
  routes.get("/deliveries", async (c) => {
    const query = parseQuery(deliveriesQuerySchema, c.req.url);
    const limit = query.limit ?? 50;
    if (query.endpoint && !(await store.getEndpoint(query.endpoint, c.var.owner))) {
      throw endpointNotFound(query.endpoint);
    }
    // One row more than asked says whether another page exists.
    const rows = await store.listDeliveries(c.var.owner, {
      endpointId: query.endpoint,
      status: query.status,
      cursor: query.cursor,
      limit: limit + 1,
    });
    const deliveries = rows.slice(0, limit);
    const page: DeliveryPage = {
      deliveries,
      nextCursor: rows.length > limit ? (deliveries.at(-1)?.id ?? null) : null,
    };
    return c.json(page);
  });

  routes.get("/deliveries/:id", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    const found = await store.getDelivery(id, c.var.owner);
    if (!found) throw deliveryNotFound(id);
    const { body, ...delivery } = found;
    return c.json({ delivery, event: JSON.parse(body) as unknown });
  });

  routes.post("/deliveries/:id/replay", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    const delivery = await store.replayDelivery(id, c.var.owner, clock());
    if (!delivery) throw deliveryNotFound(id);
    return c.json({ delivery });
  });

  routes.get("/:id", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    const endpoint = await store.getEndpoint(id, c.var.owner);
    if (!endpoint) throw endpointNotFound(id);
    return c.json({ endpoint: await withCounts(endpoint, c.var.owner) });
  });

  routes.patch("/:id", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    const { disabled } = parseInput(patchBodySchema, await jsonBody(c.req.raw), "body");
    const endpoint = await store.setEndpointDisabled(id, disabled, c.var.owner, clock());
    if (!endpoint) throw endpointNotFound(id);
    return c.json({ endpoint });
  });

  routes.delete("/:id", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    if (!(await store.removeEndpoint(id, c.var.owner))) throw endpointNotFound(id);
    return c.json({ deleted: true, id });
  });

  routes.post("/:id/replay", async (c) => {
    const id = parseInput(webhookIdSchema, c.req.param("id"), "id");
    const replayed = await store.replayDead(id, c.var.owner, clock());
    if (replayed === null) throw endpointNotFound(id);
    return c.json({ replayed });
  });

  return routes;
}
