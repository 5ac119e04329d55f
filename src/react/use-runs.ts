import { useCallback, useEffect, useRef, useState } from "react";
import {
  type AgentRun,
  applyRunUpdate,
  type ConnectionStatus,
  type HeadwayClient,
  replaceRun,
} from "../client/index.js";
import type { TerminalStatus } from "../core/types.js";
import { type ClientSource, useHeadwayClient } from "./headway-context.js";

/** How long a run that ended stays in view, per outcome, in ms; 0 lets it go at once. */
export type KeepFinished = number | Partial<Record<TerminalStatus, number>>;

export interface UseRunsOptions extends ClientSource {
  /**
   * Poll every this many ms instead of streaming; 0 means never poll (stream
   * only, no fallback). (Default: live by SSE, polling every 3 s only while the stream is down)
   */
  pollMs?: number;
  /**
   * How long a run that ends while watched stays in `ended`, with its outcome:
   * one number for every outcome, or per status (`{ failed: 60_000, succeeded: 5_000 }`,
   * a status left out is not kept). (Default: 0, runs leave when they end)
   */
  keepFinishedMs?: KeepFinished;
  /**
   * While true, ended runs stay however long they were to be kept (a dropdown
   * open over them: nothing leaves under a person reading it); once false,
   * those past their time leave. (Default: false)
   */
  holdEnded?: boolean;
}

export interface RunsState {
  /** The owner's running runs, newest first. */
  runs: AgentRun[];
  /**
   * Runs that ended while watched, most recently ended first, each kept for
   * `keepFinishedMs` of its outcome (a failure stays in view instead of vanishing).
   */
  ended: AgentRun[];
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
  /** Takes an ended run out of view before its time. */
  dismiss: (id: string) => void;
}

/** The ms a run with this outcome is kept, from the option. */
export function keepMsFor(keep: KeepFinished | undefined, status: AgentRun["status"]): number {
  if (status === "running" || keep === undefined) return 0;
  const ms = typeof keep === "number" ? keep : (keep[status] ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** At most this many runs that ended unseen are read back per snapshot. */
const MAX_LOOKUPS = 20;

const keepsAny = (keep: KeepFinished | undefined) =>
  (["failed", "cancelled", "succeeded"] as const).some((status) => keepMsFor(keep, status) > 0);

interface Ended {
  run: AgentRun;
  /** Date.now() past which it leaves (the browser's clock, not the server's: only how long it stays matters). */
  until: number;
}

/** The owner's active runs, kept live, and (with `keepFinishedMs`) those that just ended. */
export function useRuns(options: UseRunsOptions = {}): RunsState {
  const client = useHeadwayClient(options);
  const { pollMs, keepFinishedMs, holdEnded = false } = options;
  const [runs, setRuns] = useState<AgentRun[]>([]);
  const [ended, setEnded] = useState<Ended[]>([]);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<Error | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [failures, setFailures] = useState(0);
  // The runs held, updated as each update arrives (several can arrive before React renders once).
  const held = useRef<AgentRun[]>([]);
  // The option as it is now, for a handler that outlives a render.
  const keep = useRef(keepFinishedMs);
  keep.current = keepFinishedMs;

  const endRun = useCallback((run: AgentRun) => {
    const ms = keepMsFor(keep.current, run.status);
    if (ms === 0) return;
    setEnded((list) => {
      const known = list.find((e) => e.run.id === run.id);
      if (known && known.run.version >= run.version) return list;
      return [{ run, until: known?.until ?? Date.now() + ms }, ...list.filter((e) => e.run.id !== run.id)];
    });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt restarts the subscription on retry
  useEffect(() => {
    setStatus("connecting");
    setError(null);
    setFailures(0);
    const subscription = client.subscribe(
      (update) => {
        setLoaded(true);
        setFailures(0);
        if (update.kind === "event") {
          const { event } = update;
          if (event.type === "run.deleted") {
            setEnded((list) => list.filter((e) => e.run.id !== event.payload?.runId));
          } else if (event.run && event.run.status !== "running" && held.current.some((r) => r.id === event.run?.id)) {
            endRun(event.run);
          }
        } else if (update.kind === "snapshot" && Array.isArray(update.runs) && keepsAny(keep.current)) {
          // A run held as running that a snapshot no longer lists ended unseen (while reconnecting, or between polls).
          // A child of a run also held rolls up into it (and shows its failure on the parent's step): not asked for.
          const active = new Set(update.runs.map((run) => run.id));
          const gone = held.current.filter((run) => !active.has(run.id));
          const heldIds = new Set(held.current.map((run) => run.id));
          for (const run of gone.filter((r) => !r.parentId || !heldIds.has(r.parentId)).slice(0, MAX_LOOKUPS)) {
            void learnOutcome(client, run.id).then((ended) => ended && endRun(ended));
          }
        }
        held.current = applyRunUpdate(held.current, update, { activeOnly: true });
        setRuns(held.current);
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
  }, [client, pollMs, attempt, endRun]);

  // Each ended run leaves when its time is up (not while held).
  useEffect(() => {
    if (ended.length === 0 || holdEnded) return;
    const next = Math.min(...ended.map((e) => e.until));
    const timer = setTimeout(
      () => setEnded((list) => list.filter((e) => e.until > Date.now())),
      Math.max(0, next - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [ended, holdEnded]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  const cancel = useCallback(
    async (id: string) => {
      const run = await client.cancel(id);
      held.current = replaceRun(held.current, run, { activeOnly: true });
      setRuns(held.current);
    },
    [client],
  );

  const dismiss = useCallback((id: string) => setEnded((list) => list.filter((e) => e.run.id !== id)), []);

  const failing = status === "error" || (error !== null && !loaded && failures >= 2);
  return { runs, ended: ended.map((e) => e.run), status, error, loaded, failing, retry, cancel, dismiss };
}

/** The run as it ended, or null when it is gone (deleted) or, oddly, still running. */
async function learnOutcome(client: HeadwayClient, id: string): Promise<AgentRun | null> {
  try {
    const run = await client.get(id);
    return run && run.status !== "running" ? run : null;
  } catch {
    return null;
  }
}
