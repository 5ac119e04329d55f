import { z } from "zod";
import { LIMITS, parseInput, RUN_STATUSES, runIdSchema } from "../core/index.js";

const flag = z
  .enum(["true", "false", "1", "0"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

const limit = (max: number) =>
  z.coerce
    .number({ error: `must be a whole number from 1 to ${max}` })
    .int({ error: `must be a whole number from 1 to ${max}` })
    .min(1, { error: "must be at least 1" })
    .max(max, { error: `must be at most ${max}` });

/** A title search: a substring, case-insensitive, as long as a title may be. Empty means no filter. */
const searchText = z
  .string()
  .max(LIMITS.titleChars, { error: `must be at most ${LIMITS.titleChars} characters` })
  .transform((value) => value || undefined);

export const listQuerySchema = z.object({
  active: flag.optional(),
  limit: limit(LIMITS.listLimitMax).optional(),
  cursor: runIdSchema.optional(),
  parent: runIdSchema.optional(),
  q: searchText.optional(),
  status: z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(", ")}` }).optional(),
});

export const countsQuerySchema = z.object({
  q: searchText.optional(),
});

export const historyQuerySchema = z.object({
  limit: limit(LIMITS.listLimitMax).optional(),
});

export const streamQuerySchema = z.object({
  run: runIdSchema.optional(),
  /** For clients that cannot set the Last-Event-ID header. */
  lastEventId: z.string().max(64, { error: "must be at most 64 characters" }).optional(),
});

/** Parses query parameters (the first value of each) or throws a ValidationError naming the parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, url: string): z.output<T> {
  const params: Record<string, string> = Object.create(null);
  // A repeated parameter keeps its first value (Object.fromEntries would keep the last).
  for (const [key, value] of new URL(url).searchParams) if (!Object.hasOwn(params, key)) params[key] = value;
  return parseInput(schema, params, "query");
}

export function parseRunId(id: string): string {
  return parseInput(runIdSchema, id, "id");
}
