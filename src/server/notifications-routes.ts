import { Hono } from "hono";
import { z } from "zod";
import { LIMITS, runIdSchema } from "../core/index.js";
import type { Progress } from "../progress/index.js";
import type { AppEnv } from "./app-env.js";
import { HttpError } from "./http-error.js";
import { parseQuery, parseRunId } from "./query-schemas.js";

const listQuerySchema = z.object({
  unread: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .transform((v) => v === "true" || v === "1")
    .optional(),
  limit: z.coerce
    .number({ error: `must be a whole number from 1 to ${LIMITS.listLimitMax}` })
    .int({ error: `must be a whole number from 1 to ${LIMITS.listLimitMax}` })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .optional(),
  before: runIdSchema.optional(),
});

const notificationNotFound = (id: string) =>
  new HttpError(404, "notification_not_found", `notification ${id} not found`);

/**
 * The owner's notifications: list (newest first, paged, with the unread
 * count) and mark read. New ones arrive live on the runs stream as
 * `notification.created`. Read-scope tokens may use every route here:
 * what a person has read is theirs to say.
 */
export function notificationsRoutes(progress: Progress): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get("/", async (c) => {
    const query = parseQuery(listQuerySchema, c.req.url);
    return c.json(await progress.listNotifications(c.var.owner, query));
  });

  // Before `/:id/read`, which would otherwise take "read-all" as an id.
  routes.post("/read-all", async (c) => {
    return c.json({ marked: await progress.markAllNotificationsRead(c.var.owner) });
  });

  routes.post("/:id/read", async (c) => {
    const id = parseRunId(c.req.param("id"));
    const notification = await progress.markNotificationRead(c.var.owner, id);
    if (!notification) throw notificationNotFound(id);
    return c.json({ notification });
  });

  return routes;
}
