import { useCallback, useEffect, useRef, useState } from "react";
import {
  type AgentRun,
  applyRunUpdate,
  type ConnectionStatus,
  type HeadwayClient,
  type RunCounts,
  type RunStatus,
  replaceRun,
  upsertRun,
} from "../../src/client/index.js";

const PAGE = 100;
const COUNTS_EVERY_MS = 1000;
const SEARCH_DELAY_MS = 250;

export type StatusFilter = "all" | RunStatus;
export interface ListFilter {
  status: StatusFilter;
  query: string;
}

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
  /** Every run the page has seen (any filter); views filter it again, so a run the stream brings in fits. */
  runs: AgentRun[];
  loaded: boolean;
  status: ConnectionStatus;
  error: Error | null;
  hasMore: boolean;
  loadMore: () => void;
  filter: ListFilter;
  setFilter: (filter: ListFilter) => void;
  /** The server's counts over all runs for the current search; null when it cannot count (an older server). */
  counts: RunCounts | null;
  /** Shows a run the page changed (a cancel, a deletion) before the stream confirms it. */
  apply: (run: AgentRun | { deleted: string }) => void;
}

/**
 * Active and recent runs: pages read over HTTP with the status and title
 * search answered by the server, counts from the server, all kept live by the
 * stream.
 */
export function useRunList(client: HeadwayClient): RunList {
  const [runs, setRuns] = useState<AgentRun[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<Error | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [filter, setFilterState] = useState<ListFilter>({ status: "all", query: "" });
  const [search, setSearch] = useState({ status: "all" as StatusFilter, q: "" });
  const [counts, setCounts] = useState<RunCounts | null>(null);
  const refreshing = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const searchRef = useRef(search);
  searchRef.current = search;

  // Typing waits a moment before asking the server; a status click asks at once.
  useEffect(() => {
    const q = filter.query.trim();
    const next = { status: filter.status, q };
    const apply = () => setSearch((held) => (held.status === next.status && held.q === next.q ? held : next));
    if (q === searchRef.current.q) {
      apply();
      return;
    }
    const timer = setTimeout(apply, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [filter]);

  const listOptions = useCallback((extra: { cursor?: string } = {}) => {
    const { status: wanted, q } = searchRef.current;
    return { limit: PAGE, ...(wanted === "all" ? {} : { status: wanted }), ...(q ? { q } : {}), ...extra };
  }, []);

  const refresh = useCallback(() => {
    if (refreshing.current) {
      again.current = true;
      return;
    }
    refreshing.current = client
      .list(listOptions())
      .then((page) => {
        setRuns((held) => merge(page.runs, held));
        setCursor(page.nextCursor);
        setLoaded(true);
      })
      .catch((problem: Error) => setError(problem))
      .finally(() => {
        refreshing.current = null;
        if (again.current) {
          again.current = false;
          refresh();
        }
      });
  }, [client, listOptions]);

  // Counts are read again after changes, at most once a second.
  const countTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const recount = useCallback(
    (now = false) => {
      const read = () => {
        countTimer.current = null;
        client
          .counts(searchRef.current.q ? { q: searchRef.current.q } : {})
          .then(setCounts)
          .catch(() => setCounts(null)); // An older server: the page counts what it holds.
      };
      if (now) {
        if (countTimer.current) clearTimeout(countTimer.current);
        read();
      } else countTimer.current ??= setTimeout(read, COUNTS_EVERY_MS);
    },
    [client],
  );
  useEffect(() => () => clearTimeout(countTimer.current ?? undefined), []);

  // A new search or status: the first page of it, and counts for that search.
  // biome-ignore lint/correctness/useExhaustiveDependencies: search is read through searchRef
  useEffect(() => {
    refresh();
    recount(true);
  }, [search, refresh, recount]);

  useEffect(() => {
    const subscription = client.subscribe(
      (update) => {
        if (update.kind === "snapshot") {
          // A snapshot holds only active runs: the page re-reads the list to learn how the others ended.
          for (const run of update.runs) setRuns((held) => upsertRun(held, run));
          refresh();
        } else setRuns((held) => applyRunUpdate(held, update));
        recount();
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
  }, [client, refresh, recount]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    void client
      .list(listOptions({ cursor }))
      .then((page) => {
        setRuns((held) => page.runs.reduce((all, run) => upsertRun(all, run), held));
        setCursor(page.nextCursor);
      })
      .catch((problem: Error) => setError(problem));
  }, [client, cursor, listOptions]);

  const apply = useCallback(
    (change: AgentRun | { deleted: string }) => {
      setRuns((held) => ("deleted" in change ? held.filter((r) => r.id !== change.deleted) : replaceRun(held, change)));
      recount();
    },
    [recount],
  );

  return {
    runs,
    loaded,
    status,
    error,
    hasMore: cursor !== null,
    loadMore,
    filter,
    setFilter: setFilterState,
    counts,
    apply,
  };
}
