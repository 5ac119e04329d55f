import { z } from "zod";
import { ValidationError } from "./errors.js";
import { LIMITS } from "./limits.js";
import {
  type CompleteOptions,
  type ListRunsOptions,
  RUN_STATES,
  type RunPatch,
  type StartRunInput,
  TERMINAL_STATUSES,
  type TerminalStatus,
} from "./types.js";

const boundedString = (limit: number) =>
  z.string({ error: "must be a string" }).max(limit, { error: `must be at most ${limit} characters` });

const requiredString = (limit: number) => boundedString(limit).min(1, { error: "must not be empty" });

/** Clamped to [0, 100] and rounded; a value that is not a finite number is an error, not a clamp. */
const percentSchema = z
  .number({ error: "must be a finite number between 0 and 100 (or null)" })
  .transform((value) => Math.round(Math.min(100, Math.max(0, value))));

const metadataSchema = z
  .record(z.string(), z.unknown(), { error: "must be a JSON object" })
  .superRefine((value, ctx) => {
    const size = jsonByteSize(value);
    if (size === undefined) ctx.addIssue({ code: "custom", message: "must be JSON-serializable" });
    else if (size > LIMITS.metadataBytes)
      ctx.addIssue({
        code: "custom",
        message: `must be at most ${LIMITS.metadataBytes} bytes serialized (16 KiB); got ${size}`,
      });
  });

const stateSchema = z.enum(RUN_STATES, { error: `must be one of ${RUN_STATES.join(", ")}` });

export const ownerSchema = requiredString(LIMITS.ownerChars);
export const runIdSchema = requiredString(LIMITS.idChars);

export const startRunSchema = z.object({
  owner: ownerSchema,
  title: requiredString(LIMITS.titleChars),
  step: boundedString(LIMITS.stepChars).nullish(),
  percent: percentSchema.nullish(),
  metadata: metadataSchema.optional(),
  parentId: runIdSchema.nullish(),
  state: stateSchema.nullish(),
});

export const runPatchSchema = z.object({
  percent: percentSchema.nullish(),
  step: boundedString(LIMITS.stepChars).nullish(),
  title: requiredString(LIMITS.titleChars).optional(),
  metadata: metadataSchema.optional(),
  state: stateSchema.nullish(),
});

export const terminalStatusSchema = z.enum(TERMINAL_STATUSES, {
  error: `must be one of ${TERMINAL_STATUSES.join(", ")}`,
});

export const completeOptionsSchema = z.object({
  step: boundedString(LIMITS.stepChars).nullish(),
  metadata: metadataSchema.optional(),
});

export const listRunsSchema = z.object({
  activeOnly: z.boolean({ error: "must be a boolean" }).optional(),
  limit: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .optional(),
  cursor: runIdSchema.optional(),
  parentId: runIdSchema.optional(),
});

/** Parses `value` or throws a ValidationError naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.map(String).join(".") : root;
  throw new ValidationError(path, issue?.message ?? "is invalid");
}

export const validateStart = (input: unknown): StartRunInput => parseInput(startRunSchema, input, "input");
export const validatePatch = (patch: unknown): RunPatch =>
  progressOnlyPatch(patch) ?? parseInput(runPatchSchema, patch ?? {}, "patch");
export const validateOwner = (owner: unknown): string =>
  isBoundedString(owner, LIMITS.ownerChars) ? owner : parseInput(ownerSchema, owner, "owner");
export const validateRunId = (id: unknown): string =>
  isBoundedString(id, LIMITS.idChars) ? id : parseInput(runIdSchema, id, "id");

/*
 * Fast paths for the writes an agent sends thousands of times a second. Each
 * accepts only input the zod schema would accept unchanged (and returns what
 * it would return); anything else goes to the schema, which owns the error
 * messages. test/core/validation.test.ts checks the two agree.
 */
function isBoundedString(value: unknown, limit: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= limit;
}

function progressOnlyPatch(patch: unknown): RunPatch | undefined {
  if (typeof patch !== "object" || patch === null || Object.getPrototypeOf(patch) !== Object.prototype) return;
  const { percent, step, ...rest } = patch as Record<string, unknown>;
  for (const _ in rest) return;
  const result: RunPatch = {};
  if (percent !== undefined) {
    if (percent !== null && (typeof percent !== "number" || !Number.isFinite(percent))) return;
    result.percent = percent === null ? null : Math.round(Math.min(100, Math.max(0, percent)));
  }
  if (step !== undefined) {
    if (step !== null && (typeof step !== "string" || step.length > LIMITS.stepChars)) return;
    result.step = step;
  }
  return result;
}
export const validateTerminalStatus = (status: unknown): TerminalStatus =>
  parseInput(terminalStatusSchema, status, "status");
export const validateCompleteOptions = (opts: unknown): CompleteOptions =>
  parseInput(completeOptionsSchema, opts ?? {}, "options");
export const validateListOptions = (opts: unknown): ListRunsOptions =>
  parseInput(listRunsSchema, opts ?? {}, "options");

/** Checks the size limit on metadata after a merge. */
export function assertMetadataSize(metadata: Record<string, unknown>): void {
  parseInput(metadataSchema, metadata, "metadata");
}

const utf8 = new TextEncoder();

/** UTF-8 byte length of the JSON text, or undefined when the value cannot be serialized. */
export function jsonByteSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : utf8.encode(text).byteLength;
  } catch {
    return undefined;
  }
}
