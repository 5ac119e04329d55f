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
      .startRun({ owner, title: options.title ?? `Running ${params.name}`, step, percent })
      .then((run) => (runId = run.id));
    return starting;
  };
  if (options.lazy === false) await ensureRun("starting");
  const onprogress = (notification: McpProgressNotification) => {
    const { progress: done, total, message } = notification;
    const percent = total && total > 0 ? (done / total) * 100 : undefined;
    const step = message ?? (total ? `${done}/${total}` : undefined);
    void ensureRun(step, percent).then((id) => {
      if (percent !== undefined || step !== undefined) return progress.updateRunProgress(id, owner, { percent, step });
    });
  };
  try {
    const result = await client.callTool(params, undefined, {
      onprogress,
      signal: abort.signal,
      resetTimeoutOnProgress: true,
    });
    if (starting) await progress.completeRun(await starting, owner, "succeeded");
    return result;
  } catch (error) {
    if (starting) {
      const id = await starting;
      const cancelled = abort.signal.aborted;
      const reason = error instanceof Error ? error.message : String(error);
      await progress.completeRun(id, owner, cancelled ? "cancelled" : "failed", { step: reason.slice(0, 500) });
    }
    throw error;
  } finally {
    unsubscribe();
  }
}
