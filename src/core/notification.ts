import { z } from "zod";
import { LIMITS } from "./limits.js";
import { boundedString, listLimitSchema, parseInput, requiredString, runIdSchema, strictObject } from "./validation.js";

export const NOTIFICATION_SEVERITIES = ["info", "warning", "critical"] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/** A message for one owner: stored, pushed live (`notification.created`), listed and marked read. */
export interface Notification {
  id: string;
  owner: string;
  title: string;
  body: string | null;
  severity: NotificationSeverity;
  /** The run it is about, when there is one (always one of the owner's). */
  runId: string | null;
  /** What made it: `api`, `rule:run-failed`, `automation:<name>`… Null when the caller said nothing. */
  source: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface NotifyInput {
  title: string;
  body?: string | null;
  severity?: NotificationSeverity;
  runId?: string | null;
  source?: string | null;
  /**
   * Makes the notification happen at most once per owner and key, even when
   * several processes try (an automation firing once per run across servers).
   * A second notify with the same key creates nothing and returns null.
   */
  dedupeKey?: string;
}

/** A notification as stored: times in ms since the epoch. */
export interface NotificationRecord {
  id: string;
  owner: string;
  title: string;
  body: string | null;
  severity: NotificationSeverity;
  runId: string | null;
  source: string | null;
  dedupeKey: string | null;
  createdAt: number;
  readAt: number | null;
}

export interface ListNotificationsOptions {
  /** Only those not read yet. (Default: false) */
  unread?: boolean;
  /** At most this many, newest first. (Default: 50, at most 500) */
  limit?: number;
  /** Only those older than the notification with this id (the page after it). */
  before?: string;
}

export interface NotificationPage {
  notifications: Notification[];
  unreadCount: number;
  /** Pass as `before` for the next page; null when this was the last. */
  nextBefore: string | null;
}

export const notifyInputSchema = strictObject({
  title: requiredString(LIMITS.titleChars),
  body: boundedString(LIMITS.notificationBodyChars).nullish(),
  severity: z
    .enum(NOTIFICATION_SEVERITIES, { error: `must be one of ${NOTIFICATION_SEVERITIES.join(", ")}` })
    .optional(),
  runId: runIdSchema.nullish(),
  source: boundedString(LIMITS.notificationSourceChars).nullish(),
  dedupeKey: requiredString(LIMITS.dedupeKeyChars).optional(),
});

export const listNotificationsSchema = strictObject({
  unread: z.boolean({ error: "must be a boolean" }).optional(),
  limit: listLimitSchema.optional(),
  before: runIdSchema.optional(),
});

export const validateNotifyInput = (input: unknown): NotifyInput =>
  parseInput(notifyInputSchema, input, "notification");
export const validateListNotifications = (options: unknown): ListNotificationsOptions =>
  parseInput(listNotificationsSchema, options ?? {}, "options");

export function toNotification(record: NotificationRecord): Notification {
  return {
    id: record.id,
    owner: record.owner,
    title: record.title,
    body: record.body,
    severity: record.severity,
    runId: record.runId,
    source: record.source,
    createdAt: new Date(record.createdAt).toISOString(),
    readAt: record.readAt === null ? null : new Date(record.readAt).toISOString(),
  };
}

/** The stored form of a validated input, as of `now`. */
export function createNotificationRecord(
  id: string,
  owner: string,
  input: NotifyInput,
  now: number,
): NotificationRecord {
  return {
    id,
    owner,
    title: input.title,
    body: input.body ?? null,
    severity: input.severity ?? "info",
    runId: input.runId ?? null,
    source: input.source ?? null,
    dedupeKey: input.dedupeKey ?? null,
    createdAt: now,
    readAt: null,
  };
}
