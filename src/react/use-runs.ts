import { useCallback, useEffect, useState } from "react";
import { type AgentRun, applyRunUpdate, type ConnectionStatus, replaceRun } from "../client/index.js";
import { type ClientSource, useHeadwayClient } from "./headway-context.js";

export interface UseRunsOptions extends ClientSource {
  /**
   * Poll every this many ms instead of streaming; 0 means never poll (stream
   * only, no fallback). (Default: live by SSE, polling every 3 s only while the stream is down)
   */
  pollMs?: number;
}

export interface RunsState {
  /** The owner's running runs, newest first. */
  runs: AgentRun[];
  status: ConnectionStatus;
  /** The last connection problem, cleared once live again. */
  error: Error | null;
  /** Whether the server has answered at least once (a snapshot arrived). */
  loaded: boolean;
  /**
   * The server refused (a bad token, a body that is not the runs API), or could
   * not be reached twice in a row before it ever answered: time to say so.
   */
  failing: boolean;
  /** Starts over after an error (such as a refused token or an unreachable server). */
  retry: () => void;
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
  const [loaded, setLoaded] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [failures, setFailures] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt restarts the subscription on retry
  useEffect(() => {
    setStatus("connecting");
    setError(null);
    setFailures(0);
    const subscription = client.subscribe(
      (update) => {
        setLoaded(true);
        setFailures(0);
        setRuns((held) => applyRunUpdate(held, update, { activeOnly: true }));
      },
      {
        // pollMs={0} means never poll: stream only, with no polling fallback.
        transport: pollMs === undefined || pollMs <= 0 ? "sse" : "poll",
        pollMs,
        onStatus: (next, problem) => {
          setStatus(next);
          if (problem) {
            setError(problem);
            setFailures((n) => n + 1);
          } else if (next === "live") setError(null);
        },
      },
    );
    return () => subscription.close();
  }, [client, pollMs, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  const cancel = useCallback(
    async (id: string) => {
      const run = await client.cancel(id);
      setRuns((held) => replaceRun(held, run, { activeOnly: true }));
    },
    [client],
  );

  const failing = status === "error" || (error !== null && !loaded && failures >= 2);
  return { runs, status, error, loaded, failing, retry, cancel };
}
