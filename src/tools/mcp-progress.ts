import { clipText, LIMITS } from "../core/index.js";
import type { Progress } from "../progress/index.js";

/** MCP's `notifications/progress` params, as a client's `onprogress` receives them. */
export interface McpProgressNotification {
  progress: number;
  total?: number;
  message?: string;
}

/** The part of an MCP SDK `Client` this helper uses. */
export interface McpToolCaller<Params, Result> {
  callTool(
    params: Params,
    resultSchema?: undefined,
    options?: {
      onprogress?: (progress: McpProgressNotification) => void;
      signal?: AbortSignal;
      resetTimeoutOnProgress?: boolean;
    },
  ): Promise<Result>;
}

export interface CallToolAsRunOptions {
  progress: Progress;
  owner: string;
  /** The run's title. (Default: `Running <tool name>`) */
  title?: string;
  /** Start the run on the first progress notification only, so quick calls leave no trace. (Default: true) */
  lazy?: boolean;
}

/**
 * Calls an MCP tool and shows the call as a run: each `notifications/progress`
 * the server sends becomes the run's percent (progress / total) and step
 * (message); the run completes succeeded or failed with the call, and a
 * cancel pressed in the dashboard aborts the call (the SDK then sends
 * `notifications/cancelled` to the server).
 */
export async function callToolAsRun<Params extends { name: string }, Result>(
  client: McpToolCaller<Params, Result>,
  params: Params,
  options: CallToolAsRunOptions,
): Promise<Result> {
  const { progress, owner } = options;
  const abort = new AbortController();
  let runId: string | undefined;
  let starting: Promise<string> | undefined;
  const unsubscribe = progress.subscribe(
    (event) => {
      if (event.run?.id === runId && event.run?.cancelRequested) abort.abort(new Error("the user cancelled this call"));
    },
    { owner },
  );
  const ensureRun = (step?: string, percent?: number) => {
    starting ??= progress
      .startRun({
        owner,
        title: clipText(options.title ?? `Running ${params.name}`, LIMITS.titleChars),
        step,
        percent,
      })
      .then((run) => (runId = run.id));
    return starting;
  };
  let updates: Promise<unknown> = Promise.resolve();
  if (options.lazy === false) await ensureRun("starting");
  const onprogress = (notification: McpProgressNotification) => {
    const { progress: done, total, message } = notification;
    const percent = total && total > 0 ? (done / total) * 100 : undefined;
    const step = message ?? (total ? `${done}/${total}` : undefined);
    const clipped = step === undefined ? undefined : clipText(step, LIMITS.stepChars);
    // One chain, so updates land in the order the server sent them and all have landed before the run completes;
    // a failed write must not crash the caller's process, and the run's own write is what shows the outcome.
    updates = updates
      .then(() => ensureRun(clipped, percent))
      .then((id) =>
        percent !== undefined || clipped !== undefined
          ? progress.tryUpdate(id, owner, { percent, step: clipped })
          : undefined,
      )
      .catch(() => undefined);
  };
  try {
    const result = await client.callTool(params, undefined, {
      onprogress,
      signal: abort.signal,
      resetTimeoutOnProgress: true,
    });
    await updates;
    if (starting) await progress.completeRun(await starting, owner, "succeeded");
    return result;
  } catch (error) {
    await updates;
    if (starting) {
      const id = await starting;
      const cancelled = abort.signal.aborted;
      const reason = error instanceof Error ? error.message : String(error);
      await progress.completeRun(id, owner, cancelled ? "cancelled" : "failed", {
        step: clipText(reason, LIMITS.stepChars),
      });
    }
    throw error;
  } finally {
    unsubscribe();
  }
}
