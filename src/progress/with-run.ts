import type { AgentRun, StartRunInput } from "../core/index.js";
import { getDefaultProgress } from "./default-instance.js";
import type { Progress } from "./progress.js";
import { fitStep, RunHandle, type RunHandleOptions } from "./run-handle.js";

export interface WithRunOptions extends StartRunInput, RunHandleOptions {
  /** The instance to write through. (Default: the default instance) */
  progress?: Progress;
  /** Aborting it cancels the run (and fires the handle's signal). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` as a tracked run: succeeded when it returns, failed (with the
 * error message as the step) when it throws, cancelled when it throws after
 * cancellation was requested or `signal` aborted. Never leaves a running row
 * behind, whatever path `fn` takes.
 */
export async function withRun<T>(options: WithRunOptions, fn: (run: RunHandle) => Promise<T> | T): Promise<T> {
  const { progress = getDefaultProgress(), signal, minIntervalMs, stages, ...input } = options;
  signal?.throwIfAborted();
  const started: AgentRun = await progress.startRun(input);
  const handle = new RunHandle(progress, started, { minIntervalMs, stages });
  const cancelFromCaller = () => void progress.requestCancel(handle.id, handle.owner);
  signal?.addEventListener("abort", cancelFromCaller, { once: true });
  try {
    const result = await fn(handle);
    if (!handle.isCompleted) await handle.complete("succeeded");
    return result;
  } catch (error) {
    if (!handle.isCompleted) {
      const cancelled = handle.signal.aborted || signal?.aborted;
      await handle
        .complete(cancelled ? "cancelled" : "failed", { step: fitStep(cancelled ? "Cancelled" : errorText(error)) })
        .catch((completeError: unknown) => console.error("[headway] could not complete run", completeError));
    }
    throw error;
  } finally {
    signal?.removeEventListener("abort", cancelFromCaller);
    handle.dispose();
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
