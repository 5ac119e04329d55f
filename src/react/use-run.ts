import { useCallback, useEffect, useState } from "react";
import { type AgentRun, applyRunUpdate, type ConnectionStatus, replaceRun } from "../client/index.js";
import { type ClientSource, useHeadwayClient } from "./headway-context.js";

export interface UseRunOptions extends ClientSource {
  /** Poll every this many ms instead of streaming; 0 means never poll (stream only). (Default: live by SSE) */
  pollMs?: number;
}

export interface RunView {
  /** The run, or null while loading, once deleted, or when it does not exist (see `status`/`error`). */
  run: AgentRun | null;
  /** Its child runs, newest first, whatever their status. */
  children: AgentRun[];
  status: ConnectionStatus;
  error: Error | null;
  /** Asks the run (or one of its children) to stop. */
  cancel: (id?: string) => Promise<void>;
}

/** One run and its children, kept live. Pass null to follow nothing. */
export function useRun(id: string | null | undefined, options: UseRunOptions = {}): RunView {
  const client = useHeadwayClient(options);
  const { pollMs } = options;
  const [runs, setRuns] = useState<AgentRun[]>([]);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    setRuns([]);
    setError(null);
    if (!id) {
      setStatus("closed");
      return;
    }
    setStatus("connecting");
    const subscription = client.subscribe((update) => setRuns((held) => applyRunUpdate(held, update)), {
      runId: id,
      // pollMs={0} means never poll: stream only, with no polling fallback.
      transport: pollMs === undefined || pollMs <= 0 ? "sse" : "poll",
      pollMs,
      onStatus: (next, problem) => {
        setStatus(next);
        if (problem) setError(problem);
        else if (next === "live") setError(null);
      },
    });
    return () => subscription.close();
  }, [client, id, pollMs]);

  const cancel = useCallback(
    async (target?: string) => {
      const run = await client.cancel(target ?? id ?? "");
      setRuns((held) => replaceRun(held, run));
    },
    [client, id],
  );

  const run = runs.find((r) => r.id === id) ?? null;
  const children = runs.filter((r) => r.id !== id && r.parentId === id);
  return { run, children, status, error, cancel };
}
