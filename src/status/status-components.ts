import { Ajv, type ValidateFunction } from "ajv";
import { ValidationError } from "../core/index.js";
import { STATUS_LIMITS } from "./status-defaults.js";
import type { StatusComponentSpec, StatusComponentValue } from "./types.js";

/** Declared components with their schemas compiled once, ready to check answers. */
export interface CompiledStatusComponents {
  readonly specs: readonly StatusComponentSpec[];
  /** Problems with `value` (empty when it is valid), each naming the path. */
  check(value: unknown): string[];
}

const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Checks and compiles `statusComponents` up front: a bad type name, a missing
 * description or an invalid JSON Schema is a `ValidationError` naming the
 * component, before any model is called.
 */
export function compileStatusComponents(specs: readonly StatusComponentSpec[] | undefined): CompiledStatusComponents {
  const list = specs ?? [];
  if (!Array.isArray(list)) throw new ValidationError("statusComponents", "must be an array");
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map<string, ValidateFunction | null>();
  list.forEach((spec, i) => {
    const field = `statusComponents[${i}]`;
    if (typeof spec !== "object" || spec === null) throw new ValidationError(field, "must be an object");
    if (typeof spec.type !== "string" || !TYPE_PATTERN.test(spec.type)) {
      throw new ValidationError(
        `${field}.type`,
        "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter",
      );
    }
    if (validators.has(spec.type)) throw new ValidationError(`${field}.type`, `"${spec.type}" is declared twice`);
    if (typeof spec.description !== "string" || spec.description.trim() === "") {
      throw new ValidationError(`${field}.description`, "must be a non-empty string");
    }
    if (spec.description.length > STATUS_LIMITS.promptChars) {
      throw new ValidationError(`${field}.description`, `must be at most ${STATUS_LIMITS.promptChars} characters`);
    }
    if (spec.detailsSchema === undefined) {
      validators.set(spec.type, null);
      return;
    }
    if (typeof spec.detailsSchema !== "object" || spec.detailsSchema === null || Array.isArray(spec.detailsSchema)) {
      throw new ValidationError(`${field}.detailsSchema`, "must be a JSON Schema object");
    }
    try {
      validators.set(spec.type, ajv.compile(spec.detailsSchema));
    } catch (error) {
      throw new ValidationError(
        `${field}.detailsSchema`,
        `is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  return {
    specs: list,
    check(value) {
      if (value === undefined) return [];
      if (!Array.isArray(value)) return ["components: must be an array"];
      if (value.length > 0 && list.length === 0) return ["components: none were declared"];
      const problems: string[] = [];
      value.forEach((component, i) => {
        const at = `components[${i}]`;
        if (typeof component !== "object" || component === null) {
          problems.push(`${at}: must be an object`);
          return;
        }
        const { type, details } = component as StatusComponentValue;
        if (!validators.has(type)) {
          problems.push(`${at}.type: "${String(type)}" is not a declared component`);
          return;
        }
        if (details !== undefined && (typeof details !== "object" || details === null || Array.isArray(details))) {
          problems.push(`${at}.details: must be an object`);
          return;
        }
        const validate = validators.get(type);
        if (validate && !validate(details ?? {})) {
          for (const e of validate.errors ?? [])
            problems.push(`${at}.details${e.instancePath}: ${e.message ?? "invalid"}`);
        }
      });
      return problems;
    },
  };
}

/** A custom prompt over the limit is a `ValidationError` naming the field and the limit. */
export function checkPrompt(prompt: unknown, field = "prompt"): string | undefined {
  if (prompt === undefined) return undefined;
  if (typeof prompt !== "string") throw new ValidationError(field, "must be a string");
  if (prompt.length > STATUS_LIMITS.promptChars) {
    throw new ValidationError(field, `must be at most ${STATUS_LIMITS.promptChars} characters; got ${prompt.length}`);
  }
  return prompt;
}
