import { z } from "zod";
import { ValidationError } from "./errors.js";
import { LIMITS } from "./limits.js";
import { copyJsonObject, isPlainObject, weightProblem } from "./metadata-check.js";
import { controlCharacterIndex, loneSurrogateIndex, unicodeProblem } from "./text.js";
import {
  type CompleteOptions,
  type ListRunsOptions,
  RUN_STATES,
  RUN_STATUSES,
  type RunMetadata,
  type RunPatch,
  type StartRunInput,
  type StatusUpdateInput,
  TERMINAL_STATUSES,
  type TerminalStatus,
} from "./types.js";

/** Valid Unicode: a lone surrogate would be stored as U+FFFD and read back changed. */
const wellFormed = (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const message = unicodeProblem(value);
  if (message) ctx.addIssue({ code: "custom", message });
};

export const boundedString = (limit: number) =>
  z
    .string({ error: "must be a string" })
    .max(limit, { error: `must be at most ${limit} characters` })
    .superRefine(wellFormed);

export const requiredString = (limit: number) => boundedString(limit).min(1, { error: "must not be empty" });

/** Unknown keys are an error naming the key, never silently dropped. */
export const strictObject = <T extends z.core.$ZodLooseShape>(shape: T) => {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") return `is not a known field (known fields: ${known})`;
      if (issue.code === "invalid_type") return "must be an object";
      return undefined;
    },
  });
};

/** Clamped to [0, 100] and rounded; a value that is not a finite number is an error, not a clamp. */
const percentSchema = z
  .number({ error: "must be a finite number between 0 and 100 (or null)" })
  .transform((value) => Math.round(Math.min(100, Math.max(0, value))));

const utf8 = new TextEncoder();

/**
 * A plain JSON object: every value JSON (no NaN, Infinity, undefined,
 * functions, class instances), nesting and size bounded, `weight` (the
 * roll-up share) a bounded positive number. The output is a deep copy, so
 * what is stored is exactly what is read back and later changes to the
 * caller's object cannot reach the store.
 */
const metadataSchema = z
  .custom<RunMetadata>(isPlainObject, { error: "must be a JSON object" })
  .transform((value, ctx): RunMetadata => {
    const checked = copyJsonObject(value);
    if ("message" in checked) {
      ctx.addIssue({ code: "custom", message: checked.message, path: checked.path });
      return z.NEVER;
    }
    if (Object.hasOwn(checked.value, "weight")) {
      const message = weightProblem(checked.value.weight);
      if (message) {
        ctx.addIssue({ code: "custom", message, path: ["weight"] });
        return z.NEVER;
      }
    }
    return checked.value;
  });

const stateSchema = z.enum(RUN_STATES, { error: `must be one of ${RUN_STATES.join(", ")}` });
const statusSchema = z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(", ")}` });

/**
 * Run ids: letters, digits and `_ - . :`, not starting with a dot, at most
 * 64 characters. Generated ids (UUIDv7) fit, so do UUIDs, ULIDs, nanoids and
 * `job:42`; a caller-chosen id cannot smuggle a path (`../x`, `a/b`), a
 * query string, whitespace or control characters into URLs and logs.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]*$/;

export const ownerSchema = requiredString(LIMITS.ownerChars).superRefine((value, ctx) => {
  const index = controlCharacterIndex(value);
  if (index >= 0)
    ctx.addIssue({ code: "custom", message: `must not contain control characters (one at index ${index})` });
});
export const runIdSchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(LIMITS.idChars, { error: `must be at most ${LIMITS.idChars} characters` })
  .regex(RUN_ID_PATTERN, {
    error: "must use only letters, digits and _ - . : (and not start with a dot)",
  });

export const startRunSchema = strictObject({
  id: runIdSchema.optional(),
  owner: ownerSchema,
  title: requiredString(LIMITS.titleChars),
  step: boundedString(LIMITS.stepChars).nullish(),
  percent: percentSchema.nullish(),
  metadata: metadataSchema.optional(),
  parentId: runIdSchema.nullish(),
  state: stateSchema.nullish(),
});

export const runPatchSchema = strictObject({
  percent: percentSchema.nullish(),
  step: boundedString(LIMITS.stepChars).nullish(),
  title: requiredString(LIMITS.titleChars).optional(),
  metadata: metadataSchema.optional(),
  state: stateSchema.nullish(),
  status: statusSchema.optional(),
});

export const statusUpdateSchema = strictObject({
  summary: requiredString(LIMITS.stepChars),
  components: z
    .array(z.unknown(), { error: "must be an array" })
    .transform((value, ctx): unknown[] => {
      const checked = copyJsonObject({ components: value });
      if ("message" in checked) {
        ctx.addIssue({ code: "custom", message: checked.message, path: checked.path.slice(1) });
        return z.NEVER;
      }
      return checked.value.components as unknown[];
    })
    .optional(),
  percent: percentSchema.optional(),
  source: z.enum(["model", "offline"], { error: "must be one of model, offline" }),
});

export const terminalStatusSchema = z.enum(TERMINAL_STATUSES, {
  error: `must be one of ${TERMINAL_STATUSES.join(", ")}`,
});

export const completeOptionsSchema = strictObject({
  step: boundedString(LIMITS.stepChars).nullish(),
  metadata: metadataSchema.optional(),
});

export const listRunsSchema = strictObject({
  activeOnly: z.boolean({ error: "must be a boolean" }).optional(),
  limit: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .optional(),
  cursor: runIdSchema.optional(),
  parentId: runIdSchema.optional(),
  q: z
    .string({ error: "must be a string" })
    .max(LIMITS.titleChars, { error: `must be at most ${LIMITS.titleChars} characters` })
    .optional(),
  status: statusSchema.optional(),
});

/** Parses `value` or throws a ValidationError naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, root: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path: PropertyKey[] = issue ? [...issue.path] : [];
  // An unknown key is named as the field itself: `patch.colour: is not a known field`.
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  const field = path.length ? path.map(String).join(".") : root;
  throw new ValidationError(field, issue?.message ?? "is invalid");
}

export const validateStart = (input: unknown): StartRunInput => parseInput(startRunSchema, input, "input");
export const validateStatusUpdate = (update: unknown): StatusUpdateInput =>
  parseInput(statusUpdateSchema, update, "update") as StatusUpdateInput;
export const validatePatch = (patch: unknown): RunPatch =>
  progressOnlyPatch(patch) ?? parseInput(runPatchSchema, patch ?? {}, "patch");
export const validateOwner = (owner: unknown): string =>
  isBoundedString(owner, LIMITS.ownerChars) && controlCharacterIndex(owner) < 0
    ? owner
    : parseInput(ownerSchema, owner, "owner");
export const validateRunId = (id: unknown): string =>
  typeof id === "string" && id.length <= LIMITS.idChars && RUN_ID_PATTERN.test(id)
    ? id
    : parseInput(runIdSchema, id, "id");

/*
 * Fast paths for the writes an agent sends thousands of times a second. Each
 * accepts only input the zod schema would accept unchanged (and returns what
 * it would return); anything else goes to the schema, which owns the error
 * messages. test/core/validation.test.ts checks the two agree.
 */
function isBoundedString(value: unknown, limit: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= limit && loneSurrogateIndex(value) < 0;
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
    if (step !== null && (typeof step !== "string" || step.length > LIMITS.stepChars || loneSurrogateIndex(step) >= 0))
      return;
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
  const size = jsonByteSize(metadata);
  if (size === undefined) throw new ValidationError("metadata", "must be JSON-serializable");
  if (size > LIMITS.metadataBytes) {
    throw new ValidationError(
      "metadata",
      `must be at most ${LIMITS.metadataBytes} bytes serialized (16 KiB); got ${size}`,
    );
  }
}

/** UTF-8 byte length of the JSON text, or undefined when the value cannot be serialized. */
export function jsonByteSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : utf8.encode(text).byteLength;
  } catch {
    return undefined;
  }
}
