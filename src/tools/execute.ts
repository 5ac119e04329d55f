import { type AgentRun, HeadwayError, type Notification, ValidationError } from "../core/index.js";
import type { Progress, WriteOutcome } from "../progress/index.js";
import { type ManageProgressInput, manageProgressInput } from "./tool-input.js";

/** What the tool answers: one line for the model, the same facts as data, and whether it was an error. */
export interface ToolReply {
  text: string;
  isError: boolean;
  structured: {
    ok: boolean;
    action: string;
    runId?: string;
    run?: AgentRun;
    runs?: AgentRun[];
    notification?: Notification;
    cancelRequested?: boolean;
    error?: { code: string; message: string };
  };
}

const CANCEL_NOTICE = "The user asked to cancel this run: stop the work and complete it as cancelled.";

function describe(run: AgentRun): string {
  const percent = run.percent === null ? "" : `${run.percent}%`;
  const parts = [percent, run.step ?? ""].filter(Boolean).join(" — ");
  return `"${run.title}"${parts ? ` (${parts})` : ""}`;
}

function success(action: string, run: AgentRun, line: string): ToolReply {
  const text = run.cancelRequested && run.status === "running" ? `${line} ${CANCEL_NOTICE}` : line;
  return {
    text,
    isError: false,
    structured: { ok: true, action, runId: run.id, run, cancelRequested: run.cancelRequested },
  };
}

function failure(action: string, code: string, message: string, run?: AgentRun): ToolReply {
  return {
    text: message,
    isError: true,
    structured: { ok: false, action, runId: run?.id, run, error: { code, message } },
  };
}

function explain(action: string, runId: string, outcome: WriteOutcome, line: (run: AgentRun) => string): ToolReply {
  if (outcome.ok)
    return outcome.run ? success(action, outcome.run, line(outcome.run)) : failure(action, "not_found", "");
  if (outcome.reason === "invalid") return failure(action, "invalid_argument", outcome.error.message);
  if (outcome.reason === "terminal") {
    const run = outcome.run;
    return failure(
      action,
      "run_terminal",
      `Run ${run.id} already ${run.status}; it cannot change any more. Start a new run for new work.`,
      run,
    );
  }
  return failure(action, "not_found", `No run ${runId} was found for you (it may have been deleted).`);
}

/** `metadata`, or `metadataJson` parsed (agent-native's tool sends metadata as JSON text); never both. */
function metadataOf(input: ManageProgressInput): Record<string, unknown> | undefined {
  if (input.metadataJson === undefined) return input.metadata;
  if (input.metadata !== undefined)
    throw new ValidationError("metadataJson", "give metadata or metadataJson, not both");
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.metadataJson);
  } catch (error) {
    throw new ValidationError("metadataJson", `must be valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError("metadataJson", 'must be a JSON object, e.g. {"batch": 3}');
  }
  return parsed as Record<string, unknown>;
}

function need<T>(value: T | undefined, field: string, action: string): T {
  if (value === undefined || value === "") throw new ValidationError(field, `is required for action "${action}"`);
  return value;
}

type Action = ManageProgressInput["action"];

/** Library field names that the tool calls something else. */
const TOOL_NAMES: Partial<Record<string, string>> = { id: "runId", parentId: "parentRunId" };

/** The arguments each action reads; any other is refused by name rather than silently ignored. */
const USED_BY: Record<Action, ReadonlySet<string>> = {
  start: new Set(["runId", "title", "step", "percent", "state", "metadata", "metadataJson", "parentRunId"]),
  update: new Set(["runId", "title", "step", "percent", "state", "metadata", "metadataJson"]),
  complete: new Set(["runId", "status", "step", "metadata", "metadataJson"]),
  list: new Set(["active", "limit"]),
  notify: new Set(["title", "body", "severity", "runId"]),
};

const HINT: Partial<Record<string, string>> = {
  status: ' (to finish a run, use action "complete")',
  parentRunId: " (a run gets its parent when it starts)",
};

function checkUsed(input: ManageProgressInput): void {
  const used = USED_BY[input.action];
  for (const [name, value] of Object.entries(input)) {
    if (name === "action" || value === undefined || used.has(name)) continue;
    throw new ValidationError(name, `is not used by action "${input.action}"${HINT[name] ?? ""}`);
  }
}

async function run(progress: Progress, owner: string, input: ManageProgressInput): Promise<ToolReply> {
  const { action } = input;
  checkUsed(input);
  switch (action) {
    case "start": {
      const started = await progress.startRun({
        // agent-native's callers choose their own ids; an id in use is a conflict.
        ...(input.runId === undefined ? {} : { id: input.runId }),
        owner,
        title: need(input.title, "title", action),
        step: input.step,
        percent: input.percent,
        metadata: metadataOf(input),
        state: input.state,
        parentId: input.parentRunId,
      });
      return success(
        action,
        started,
        `Started run ${started.id}: ${describe(started)}. Use this runId to update and complete it.`,
      );
    }
    case "update": {
      const runId = need(input.runId, "runId", action);
      const { percent, step, state, title } = input;
      const metadata = metadataOf(input);
      if ([percent, step, state, metadata, title].every((value) => value === undefined)) {
        throw new ValidationError("percent", 'give percent and/or step (or state, metadata) for action "update"');
      }
      const outcome = await progress.tryUpdate(runId, owner, { percent, step, state, metadata, title });
      return explain(action, runId, outcome, (updated) => `Updated run ${updated.id}: ${describe(updated)}.`);
    }
    case "complete": {
      const runId = need(input.runId, "runId", action);
      const status = need(input.status, "status", action);
      const outcome = await progress.tryComplete(runId, owner, status, {
        step: input.step,
        metadata: metadataOf(input),
      });
      return explain(
        action,
        runId,
        outcome,
        (done) => `Completed run ${done.id} as ${done.status}: ${describe(done)}.`,
      );
    }
    case "list": {
      const runs = await progress.listRuns(owner, { activeOnly: input.active ?? true, limit: input.limit ?? 50 });
      const lines = runs.map(
        (item) =>
          `- ${item.id} ${item.status} ${describe(item)}${item.cancelRequested && item.status === "running" ? " [cancel requested]" : ""}`,
      );
      const text =
        runs.length === 0 ? "No runs." : `${runs.length} run${runs.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
      return { text, isError: false, structured: { ok: true, action, runs } };
    }
    case "notify": {
      const notification = await progress.notify(owner, {
        title: need(input.title, "title", action),
        body: input.body,
        severity: input.severity,
        runId: input.runId,
        source: "agent",
      });
      // Without a dedupe key every notify creates one.
      const made = notification as Notification;
      return {
        text: `Notified the person: "${made.title}" (${made.severity}). They will see it in their notifications.`,
        isError: false,
        structured: { ok: true, action, notification: made, ...(made.runId ? { runId: made.runId } : {}) },
      };
    }
  }
}

/**
 * Runs one call of the tool for `owner`, who comes from the caller's
 * identity and never from the arguments. Bad arguments and refusals come
 * back as error replies the model can act on, not as exceptions.
 */
export async function executeManageProgress(progress: Progress, owner: string, args: unknown): Promise<ToolReply> {
  const parsed = manageProgressInput.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const action =
      typeof (args as { action?: unknown } | null)?.action === "string"
        ? (args as { action: string }).action
        : "unknown";
    // An unknown argument's message names it already.
    if (issue?.code === "unrecognized_keys") return failure(action, "invalid_argument", issue.message);
    const fieldName = issue?.path.map(String).join(".") || "arguments";
    return failure(action, "invalid_argument", `${fieldName}: ${issue?.message ?? "is invalid"}`);
  }
  try {
    return await run(progress, owner, parsed.data);
  } catch (error) {
    if (error instanceof ValidationError && TOOL_NAMES[error.field]) {
      // The library names its own fields; say them as the tool's arguments.
      const message = `${TOOL_NAMES[error.field]}${error.message.slice(error.field.length)}`;
      return failure(parsed.data.action, error.code, message);
    }
    if (error instanceof HeadwayError) return failure(parsed.data.action, error.code, error.message);
    throw error;
  }
}
