import { z } from "zod";
import { LIMITS, NOTIFICATION_SEVERITIES, RUN_STATES, runIdSchema, TERMINAL_STATUSES } from "../core/index.js";

export const TOOL_NAME = "manage-progress";

/**
 * What an agent is told about the tool: when to use it and the habits that
 * make progress worth watching. Written for models, read by people too.
 */
export const TOOL_DESCRIPTION = `Show the person you work for how your work is going, live: a percent bar, the current step, an ETA, and a cancel button they can press.

Use it like this:
- Start a run (action "start", with a short title) for anything that will take more than about five seconds. Keep the runId it returns.
- Update it (action "update") at natural checkpoints: a new step, or another 5-10% done. Write steps in plain words the person understands ("Classifying 90/200 emails"), not internal names.
- Always complete it (action "complete"): "succeeded" when done, "failed" with a step saying what went wrong, "cancelled" when you stop early. Complete on error paths too: a run left running looks stuck.
- Every reply says whether the person asked you to cancel. If they did, stop the work and complete the run as "cancelled".
- If the person may not be watching when you finish, also tell them in your final message that the work is done.
Use action "list" to see your runs that are still going.
Use action "notify" (title, optional body, severity, runId) to tell the person something they should see even if they are not watching: the work is done, it failed, or you need them to decide something.`;

const field = {
  runId: runIdSchema.describe(
    'The run to act on (from "start"); for update and complete. For start, optional: your own id for the new run (letters, digits, _ - . :).',
  ),
  title: z
    .string()
    .describe(
      `For start: what the work is, in a few words; for notify: the message's headline (at most ${LIMITS.titleChars} characters).`,
    ),
  body: z
    .string()
    .describe(`For notify: the message itself, in plain words (at most ${LIMITS.notificationBodyChars} characters).`),
  severity: z
    .enum(NOTIFICATION_SEVERITIES, { error: `must be one of ${NOTIFICATION_SEVERITIES.join(", ")}` })
    .describe("For notify: info (default), warning (needs a look), or critical (failed, or needs them now)."),
  step: z.string().describe(`What is happening now, in plain words (at most ${LIMITS.stepChars} characters).`),
  percent: z.number().describe("How far along, 0 to 100. Leave it out when you cannot tell."),
  state: z
    .enum(RUN_STATES)
    .describe("Optional fine-grained state, e.g. tool_running, waiting_provider, action_required."),
  status: z.enum(TERMINAL_STATUSES).describe("For complete: succeeded, failed or cancelled."),
  metadata: z
    .record(z.string(), z.unknown())
    .describe("Optional small JSON object stored with the run (16 KiB at most)."),
  metadataJson: z
    .string()
    .describe("The same as metadata, written as JSON text (as agent-native's tool takes it); give one or the other."),
  parentRunId: runIdSchema.describe("For start: the run this one is part of (a sub-task)."),
  active: z.boolean().describe("For list: only runs still going (default true)."),
  limit: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(LIMITS.listLimitMax, { error: `must be at most ${LIMITS.listLimitMax}` })
    .describe(`For list: at most this many runs, newest first (default 50, at most ${LIMITS.listLimitMax}).`),
};

/**
 * One flat object rather than a union per action: every MCP client and model
 * handles a flat JSON Schema, and the per-action rules are checked (with clear
 * messages) when the tool runs.
 */
export const manageProgressInputShape = {
  action: z
    .enum(["start", "update", "complete", "list", "notify"])
    .describe("What to do: start, update, complete, list, or notify (tell the person)."),
  runId: field.runId.optional(),
  title: field.title.optional(),
  body: field.body.optional(),
  severity: field.severity.optional(),
  step: field.step.optional(),
  percent: field.percent.optional(),
  state: field.state.optional(),
  status: field.status.optional(),
  metadata: field.metadata.optional(),
  metadataJson: field.metadataJson.optional(),
  parentRunId: field.parentRunId.optional(),
  active: field.active.optional(),
  limit: field.limit.optional(),
};

const KNOWN_ARGUMENTS = Object.keys(manageProgressInputShape).join(", ");

/** Strict: an unknown argument is an error naming it, so a misspelt one is never silently ignored. */
export const manageProgressInput = z.strictObject(manageProgressInputShape, {
  error: (issue) =>
    issue.code === "unrecognized_keys"
      ? `unknown argument ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (the arguments of ${TOOL_NAME} are ${KNOWN_ARGUMENTS})`
      : issue.code === "invalid_type"
        ? "the arguments must be a JSON object"
        : undefined,
});
export type ManageProgressInput = z.infer<typeof manageProgressInput>;
