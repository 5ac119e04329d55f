import { generateText, type LanguageModel, tool } from "ai";
import { z } from "zod";
import { type AgentRun, clipText, elapsedMs, formatDuration, LIMITS, ValidationError } from "../core/index.js";
import type { NotifyInput } from "../core/notification.js";
import type { Progress } from "../progress/index.js";
import { type Automation, SEVERITIES } from "./automation-file.js";

/** One line of what the automations did or could not do (a fallback, a file error, a firing). */
export interface AutomationLogEntry {
  level: "info" | "warn";
  /** The automation's id (its file name without `.md`), when the line is about one. */
  automation?: string;
  runId?: string;
  message: string;
}

/** One decision to tell the run's owner something: the automation, the run, and the key that makes it happen once. */
export interface Firing {
  automation: Automation;
  run: AgentRun;
  /** The moment the condition was evaluated at, in ms since the epoch ({{elapsed}} is counted to it). */
  at: number;
  /** Makes the notification happen at most once for the owner, whichever process or retry tries. */
  dedupeKey: string;
}

export interface DeliveryContext {
  progress: Progress;
  model: LanguageModel | undefined;
  modelTimeoutMs: number;
  /** Aborts a model call when the engine closes. */
  signal: AbortSignal;
  log: (entry: AutomationLogEntry) => void;
}

/**
 * What became of a firing: `delivered` (a notification was created), `duplicate` (one with the key
 * existed: another process or an earlier try made it), `run_gone` (the run was deleted meanwhile).
 */
export type DeliveryOutcome = "delivered" | "duplicate" | "run_gone";

const TITLE_MAX = LIMITS.titleChars;
const BODY_MAX = LIMITS.notificationBodyChars;

/** The notification `mode: deterministic` sends: the rendered title and body, clipped to the limits. */
export function deterministicNotification(firing: Firing): NotifyInput {
  const { automation, run, at, dedupeKey } = firing;
  const title = automation.renderTitle(run, at).trim() || automation.id;
  return {
    title: clipText(title, TITLE_MAX, "…"),
    body: clipText(automation.render(run, at), BODY_MAX, "…"),
    severity: automation.severity,
    runId: run.id,
    source: clipText(`automation:${automation.id}`, LIMITS.notificationSourceChars),
    dedupeKey,
  };
}

/**
 * Delivers a firing: as written (`deterministic`), or through the model with a `notify` tool
 * (`agentic`). An agentic firing falls back to the body as written, and logs why, when no model is
 * configured, the model fails or times out, or it does not call the tool. At most one notification
 * per firing. Throws only what may pass on a retry (the store unreachable, the engine closing).
 */
export async function deliverFiring(context: DeliveryContext, firing: Firing): Promise<DeliveryOutcome> {
  if (firing.automation.mode === "agentic") {
    const { model } = context;
    if (!model) {
      const outcome = await notify(context.progress, firing, deterministicNotification(firing));
      logFallback(context, firing, "no model configured; delivered the body as written", outcome);
      return outcome;
    }
    const answer = await askModel(context, model, firing);
    if (answer.kind === "done") return answer.outcome;
    const outcome = await notify(context.progress, firing, deterministicNotification(firing));
    logFallback(context, firing, `${answer.reason}; delivered the body as written`, outcome);
    return outcome;
  }
  return notify(context.progress, firing, deterministicNotification(firing));
}

function logFallback(context: DeliveryContext, firing: Firing, message: string, outcome: DeliveryOutcome): void {
  if (outcome === "run_gone") return;
  context.log({ level: "warn", automation: firing.automation.id, runId: firing.run.id, message });
}

async function notify(progress: Progress, firing: Firing, input: NotifyInput): Promise<DeliveryOutcome> {
  try {
    return (await progress.notify(firing.run.owner, input)) ? "delivered" : "duplicate";
  } catch (error) {
    // The run was deleted since it matched: nothing left to point at.
    if (error instanceof ValidationError && error.field === "runId") return "run_gone";
    throw error;
  }
}

const SYSTEM_PROMPT = `You write notifications for a person whose long-running work is done by AI agents and tracked by Headway.
An automation the person set up fired for one of their runs. You get its instructions and the run.
Follow the instructions and call the notify tool exactly once, with:
- title: one short line (at most ${TITLE_MAX} characters);
- body: a few plain sentences for the person (at most ${BODY_MAX} characters);
- severity: info, warning or critical.
Use plain, user-facing words. Never mention tools, JSON or ids other than the run id.`;

/** What the model sees of a run: what a person would, and the run id; no owner, parent or other internal ids. */
export function runForModel(run: AgentRun, at: number): Record<string, unknown> {
  return {
    runId: run.id,
    title: run.title,
    step: run.step,
    percent: run.percent,
    status: run.status,
    state: run.state,
    attention: run.attention,
    cancelRequested: run.cancelRequested,
    elapsed: formatDuration(elapsedMs(run, at)),
    etaMs: run.etaMs,
    startedAt: run.startedAt,
    updatedAt: run.updatedAt,
    completedAt: run.completedAt,
    now: new Date(at).toISOString(),
    metadata: run.metadata,
  };
}

type ModelAnswer = { kind: "done"; outcome: DeliveryOutcome } | { kind: "fallback"; reason: string };

class ModelTimeout extends Error {}

async function askModel(context: DeliveryContext, model: LanguageModel, firing: Firing): Promise<ModelAnswer> {
  const { automation, run, at } = firing;
  const fallback = deterministicNotification(firing);
  let sent: Promise<DeliveryOutcome> | undefined;
  /** Set once this firing fell back (or the engine closed): a late tool call then sends nothing. */
  let settled = false;
  const notifyTool = tool({
    description: "Sends the person one notification about this run. Call it once.",
    inputSchema: z.object({
      title: z.string().min(1).describe(`One short line, at most ${TITLE_MAX} characters`),
      body: z.string().optional().describe(`A few plain sentences, at most ${BODY_MAX} characters`),
      severity: z.enum(SEVERITIES).optional().describe(`How urgent (default ${automation.severity})`),
    }),
    execute: async (input) => {
      // At most one notification per firing, however many calls the model makes.
      if (sent) return "Already sent: one notification per firing.";
      if (settled) return "Too late: the notification was sent without you.";
      const title = input.title.trim();
      sent = notify(context.progress, firing, {
        ...fallback,
        title: clipText(title || fallback.title, TITLE_MAX, "…"),
        body: input.body?.trim() ? clipText(input.body.trim(), BODY_MAX, "…") : null,
        severity: input.severity ?? automation.severity,
      });
      const outcome = await sent;
      return outcome === "run_gone" ? "The run no longer exists; nothing was sent." : "Sent.";
    },
  });

  const controller = new AbortController();
  // A model that ignores the abort signal must not hold the firing: the call is raced against both.
  let stop: (reason: unknown) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const abort = (reason: unknown) => {
    controller.abort(reason);
    stop(reason);
  };
  const onClose = () => abort(context.signal.reason);
  context.signal.addEventListener("abort", onClose, { once: true });
  const timer = setTimeout(
    () => abort(new ModelTimeout(`the model took longer than ${context.modelTimeoutMs} ms`)),
    context.modelTimeoutMs,
  );
  try {
    const call = generateText({
      model,
      system: SYSTEM_PROMPT,
      prompt: `Instructions:\n${automation.render(run, at)}\n\nThe run (JSON):\n${JSON.stringify(runForModel(run, at))}`,
      tools: { notify: notifyTool },
      maxRetries: 1,
      abortSignal: controller.signal,
    });
    call.catch(() => {}); // the race below may leave it behind
    await Promise.race([call, stopped]);
  } catch (error) {
    // The tool may have sent before the failure: that notification stands.
    if (sent) return { kind: "done", outcome: await sent };
    settled = true;
    if (context.signal.aborted) throw error; // closing: the firing is retried when the feed is read again
    const reason = error instanceof ModelTimeout ? error.message : describe(error);
    return { kind: "fallback", reason: `the model failed (${reason})` };
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener("abort", onClose);
  }
  if (sent) return { kind: "done", outcome: await sent };
  settled = true;
  return { kind: "fallback", reason: "the model did not call notify" };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return clipText(text.split("\n")[0] ?? "", 200, "…");
}
