import { useCallback, useEffect, useState } from "react";
import { type AgentRun, applyRunUpdate, type ConnectionStatus, replaceRun } from "../client/index.js";
import { type ClientSource, useHeadwayClient } from "./headway-context.js";

export interface UseRunsOptions extends ClientSource {
  /** Poll every this many ms instead of streaming. (Default: live by SSE, polling only while the stream is down) */
  pollMs?: number;
}

export interface RunsState {
  /** The owner's running runs, newest first. */
  runs: AgentRun[];
  status: ConnectionStatus;
  /** The last connection problem, cleared once live again. */
  error: Error | null;
  /** Asks a run to stop; the run comes back with `cancelRequested: true`. */
  cancel: (id: string) => Promise<void>;
}

/** The owner's active runs, kept live. */
export function useRuns(options: UseRunsOptions = {}): RunsState {
  const client = useHeadwayClient(options);
  const { pollMs } = options;
  const [runs, setRuns] = useState<AgentRun[]>([]);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    const subscription = client.subscribe(
      (update) => setRuns((held) => applyRunUpdate(held, update, { activeOnly: true })),
      {
        transport: pollMs === undefined ? "sse" : "poll",
        pollMs,
        onStatus: (next, problem) => {
          setStatus(next);
          if (problem) setError(problem);
          else if (next === "live") setError(null);
        },
      },
    );
    return () => subscription.close();
  }, [client, pollMs]);

  const cancel = useCallback(
    async (id: string) => {
      const run = await client.cancel(id);
      setRuns((held) => replaceRun(held, run, { activeOnly: true }));
    },
    [client],
  );

  return { runs, status, error, cancel };
}
