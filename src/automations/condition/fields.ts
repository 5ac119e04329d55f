import type { AgentRun } from "../../core/types.js";
import { RUN_STATES, RUN_STATUSES } from "../../core/types.js";
import type { TypeInfo } from "./ast.js";

/** What draws a person's eye to a run (design §1); read from the run when the store provides it. */
export const ATTENTION_VALUES = ["action_required", "failed", "stale"] as const;

export type FieldValue = string | number | boolean | null;

export interface FieldSpec {
  info: TypeInfo;
  /** True when the value changes with the clock alone (`now`, `elapsed`): re-check on a timer. */
  usesTime?: boolean;
  get(run: AgentRun, now: number): FieldValue;
}

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

const str = (label: string, nullable = false): TypeInfo => ({ type: "string", nullable, label });

/** The run fields a condition can name, with their types. Aliases share a spec. */
export const FIELDS: Readonly<Record<string, FieldSpec>> = (() => {
  const id: FieldSpec = { info: str("id"), get: (run) => run.id };
  const started: FieldSpec = {
    info: { type: "time", nullable: false, label: "started (a time)" },
    get: (run) => time(run.createdAt),
  };
  const fields: Record<string, FieldSpec> = {
    id,
    runId: id,
    owner: { info: str("owner"), get: (run) => run.owner },
    title: { info: str("title"), get: (run) => run.title },
    step: { info: str("step", true), get: (run) => run.step },
    parentId: { info: str("parentId", true), get: (run) => run.parentId },
    percent: { info: { type: "number", nullable: true, label: "percent (a number)" }, get: (run) => run.percent },
    version: { info: { type: "number", nullable: false, label: "version (a number)" }, get: (run) => run.version },
    status: {
      info: { type: "string", nullable: false, values: RUN_STATUSES, label: "status" },
      get: (run) => run.status,
    },
    state: { info: { type: "string", nullable: true, values: RUN_STATES, label: "state" }, get: (run) => run.state },
    attention: {
      info: { type: "string", nullable: true, values: ATTENTION_VALUES, label: "attention" },
      get: (run) => (run as AgentRun & { attention?: string | null }).attention ?? null,
    },
    cancelRequested: {
      info: { type: "boolean", nullable: false, label: "cancelRequested (true or false)" },
      get: (run) => run.cancelRequested,
    },
    eta: { info: { type: "duration", nullable: true, label: "eta (a duration)" }, get: (run) => run.etaMs },
    now: { info: { type: "time", nullable: false, label: "now (a time)" }, usesTime: true, get: (_run, now) => now },
    started,
    startedAt: started,
    createdAt: started,
    updated: {
      info: { type: "time", nullable: false, label: "updated (a time)" },
      get: (run) => time(run.updatedAt),
    },
    heartbeat: {
      info: { type: "time", nullable: false, label: "heartbeat (a time)" },
      get: (run) => time(run.heartbeatAt),
    },
    completed: {
      info: { type: "time", nullable: true, label: "completed (a time)" },
      get: (run) => time(run.completedAt),
    },
    elapsed: {
      info: { type: "duration", nullable: false, label: "elapsed (a duration)" },
      usesTime: true,
      get: (run, now) => {
        const start = time(run.createdAt);
        if (start === null) return null;
        const end = time(run.completedAt) ?? now;
        return Math.max(0, end - start);
      },
    },
  };
  return Object.freeze(fields);
})();

export function fieldSpec(name: string): FieldSpec | undefined {
  return Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
}

/** A JSON value inside run.metadata, or null when the path is missing. Own keys only: never the prototype. */
export function metadataValue(run: AgentRun, path: readonly string[]): unknown {
  let value: unknown = run.metadata;
  for (const key of path) {
    if (value === null || typeof value !== "object") return null;
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(key)) return null;
      value = value[Number(key)];
    } else {
      if (!Object.hasOwn(value, key)) return null;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined) return null;
  }
  return value ?? null;
}
