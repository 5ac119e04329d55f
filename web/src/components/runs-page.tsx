import { useMemo, useState } from "react";
import { useNow } from "../../../src/react/index.js";
import type { RunList } from "../use-run-list.js";
import { RunFilters, type StatusFilter } from "./run-filters.js";
import { RunRow } from "./run-row.js";
import { StatCards } from "./stat-cards.js";

/** Active and recent runs, filterable by status and searchable by title. */
export function RunsPage({ list, onOpen }: { list: RunList; onOpen: (id: string) => void }) {
  const [status, setStatus] = useState<StatusFilter>("all");
  const [query, setQuery] = useState("");
  const now = useNow(1000);
  const { runs } = list;

  // Children roll up into their parent, whose detail page lists them.
  const topLevel = useMemo(
    () => runs.filter((run) => !run.parentId || !runs.some((p) => p.id === run.parentId)),
    [runs],
  );
  const childCounts = useMemo(() => {
    const counts = new Map<string, number>();
    for (const run of runs) if (run.parentId) counts.set(run.parentId, (counts.get(run.parentId) ?? 0) + 1);
    return counts;
  }, [runs]);
  const counts = useMemo(() => {
    const all = { all: topLevel.length, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const run of topLevel) all[run.status]++;
    return all;
  }, [topLevel]);
  const needle = query.trim().toLowerCase();
  const shown = topLevel.filter(
    (run) => (status === "all" || run.status === status) && (!needle || run.title.toLowerCase().includes(needle)),
  );
  // Running work first, then the most recent.
  const ordered = [...shown.filter((r) => r.status === "running"), ...shown.filter((r) => r.status !== "running")];

  return (
    <div className="page">
      <div className="page-heading">
        <div>
          <h1>Runs</h1>
          <p className="muted">Live progress of your agents' long-running work.</p>
        </div>
      </div>
      <StatCards runs={topLevel} now={now} />
      <RunFilters status={status} query={query} counts={counts} onStatus={setStatus} onQuery={setQuery} />
      {!list.loaded ? (
        <div className="card empty">Loading runs…</div>
      ) : ordered.length === 0 ? (
        <div className="card empty">
          <strong>{runs.length === 0 ? "No runs yet" : "No runs match"}</strong>
          <span className="muted">
            {runs.length === 0
              ? "Runs appear here the moment an agent starts one, through the library, the MCP tool or `headway exec`."
              : "Try another status or a shorter search."}
          </span>
        </div>
      ) : (
        <ul className="card run-list" aria-label="Runs">
          {ordered.map((run) => (
            <RunRow key={run.id} run={run} childCount={childCounts.get(run.id) ?? 0} now={now} onOpen={onOpen} />
          ))}
        </ul>
      )}
      {list.hasMore && (
        <button type="button" className="ghost-button load-more" onClick={list.loadMore}>
          Load older runs
        </button>
      )}
    </div>
  );
}
