import { useCallback, useEffect, useRef, useState } from "react";
import {
  type AgentRun,
  applyRunUpdate,
  type ConnectionStatus,
  type HeadwayClient,
  replaceRun,
  upsertRun,
} from "../../src/client/index.js";

const PAGE = 100;

/** Keeps the fresher copy of each run: what the page fetched, or what the stream told since. */
function merge(fetched: AgentRun[], held: AgentRun[]): AgentRun[] {
  let runs = fetched;
  const oldest = fetched.at(-1)?.createdAt ?? "";
  for (const run of held) {
    const known = fetched.some((r) => r.id === run.id);
    if (known || run.createdAt >= oldest) runs = upsertRun(runs, run);
  }
  return runs;
}

export interface RunList {
  runs: AgentRun[];
  loaded: boolean;
  status: ConnectionStatus;
  error: Error | null;
  hasMore: boolean;
  loadMore: () => void;
  /** Shows a run the page changed (a cancel, a deletion) before the stream confirms it. */
  apply: (run: AgentRun | { deleted: string }) => void;
}

/** Active and recent runs: the first pages over HTTP, then kept live by the stream. */
export function useRunList(client: HeadwayClient): RunList {
  const [runs, setRuns] = useState<AgentRun[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<Error | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const refreshing = useRef<Promise<void> | null>(null);

  const refresh = useCallback(() => {
    refreshing.current ??= client
      .list({ limit: PAGE })
      .then((page) => {
        setRuns((held) => merge(page.runs, held));
        setCursor(page.nextCursor);
        setLoaded(true);
      })
      .catch((problem: Error) => setError(problem))
      .finally(() => {
        refreshing.current = null;
      });
  }, [client]);

  useEffect(() => {
    refresh();
    const subscription = client.subscribe(
      (update) => {
        if (update.kind === "snapshot") {
          // A snapshot holds only active runs: the page re-reads the list to learn how the others ended.
          for (const run of update.runs) setRuns((held) => upsertRun(held, run));
          refresh();
        } else setRuns((held) => applyRunUpdate(held, update));
      },
      {
        onStatus: (next, problem) => {
          setStatus(next);
          if (problem) setError(problem);
          else if (next === "live") setError(null);
        },
      },
    );
    return () => subscription.close();
  }, [client, refresh]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    void client.list({ limit: PAGE, cursor }).then((page) => {
      setRuns((held) => page.runs.reduce((all, run) => upsertRun(all, run), held));
      setCursor(page.nextCursor);
    });
  }, [client, cursor]);

  const apply = useCallback((change: AgentRun | { deleted: string }) => {
    setRuns((held) => ("deleted" in change ? held.filter((r) => r.id !== change.deleted) : replaceRun(held, change)));
  }, []);

  return { runs, loaded, status, error, hasMore: cursor !== null, loadMore, apply };
}
