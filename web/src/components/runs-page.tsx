import { useEffect, useMemo, useRef, useState } from "react";
import type { AgentRun, ProgressMark } from "../../../src/client/index.js";
import { useNow } from "../../../src/react/index.js";
import type { RunList } from "../use-run-list.js";
import { RunFilters, type StatusFilter } from "./run-filters.js";
import { RunRow } from "./run-row.js";
import { StatCards } from "./stat-cards.js";
import { runTone } from "./status-badge.js";

/** Running work first, then the most recent (the list arrives newest first). */
function byRunningThenRecent(runs: AgentRun[]): AgentRun[] {
  return [...runs.filter((r) => r.status === "running"), ...runs.filter((r) => r.status !== "running")];
}

export interface RunsPageProps {
  list: RunList;
  /** What the page saw of each run's updates (`useProgressMarks`), by id. */
  marks: ReadonlyMap<string, ProgressMark>;
  onOpen: (id: string) => void;
  /** The title of a run just deleted from its page: said, and focus lands on the heading. */
  deleted?: string | null;
}

/** Active and recent runs, filterable by status and searchable by title, both answered by the server. */
export function RunsPage({ list, marks, onOpen, deleted = null }: RunsPageProps) {
  const now = useNow(1000);
  const { runs, filter, setFilter } = list;
  const heading = useRef<HTMLHeadingElement>(null);
  const [still, setStill] = useState({ hover: false, focus: false });
  const lastOrder = useRef<string[]>([]);

  useEffect(() => {
    if (deleted) heading.current?.focus();
  }, [deleted]);

  // "Load older runs" hands focus to the first row it brought (the button may be gone: that was the last page).
  const listRef = useRef<HTMLUListElement>(null);
  const focusRowAt = useRef<number | null>(null);

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

  const needle = filter.query.trim().toLowerCase();
  const matching = topLevel.filter((run) => !needle || run.title.toLowerCase().includes(needle));
  // The server counts over all runs; an older server cannot, and the page counts what it holds.
  const local = { all: matching.length, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const run of matching) local[run.status]++;
  // The server counts child runs too; the page shows them inside their parent, so the ones it holds
  // under a held parent come off (the rows, the tray and the cards then agree).
  const rolledUp = { all: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const run of runs) {
    if (!run.parentId || !runs.some((p) => p.id === run.parentId)) continue;
    if (needle && !run.title.toLowerCase().includes(needle)) continue;
    rolledUp.all++;
    rolledUp[run.status]++;
  }
  const server = list.counts;
  const counts: Record<StatusFilter, number> = server
    ? {
        all: Math.max(0, server.total - rolledUp.all),
        running: Math.max(0, server.running - rolledUp.running),
        succeeded: Math.max(0, server.succeeded - rolledUp.succeeded),
        failed: Math.max(0, server.failed - rolledUp.failed),
        cancelled: Math.max(0, server.cancelled - rolledUp.cancelled),
      }
    : local;
  const attention = matching.filter((run) => runTone(run, now).tone === "attention").length;
  const shown = matching.filter((run) => filter.status === "all" || run.status === filter.status);

  // While the pointer or focus is on the list, rows keep their places: nothing moves under the cursor.
  let ordered = byRunningThenRecent(shown);
  if (still.hover || still.focus) {
    const place = new Map(lastOrder.current.map((id, i) => [id, i]));
    ordered = [...ordered].sort((a, b) => (place.get(a.id) ?? -1) - (place.get(b.id) ?? -1));
  }
  lastOrder.current = ordered.map((run) => run.id);

  useEffect(() => {
    const at = focusRowAt.current;
    if (at === null || ordered.length <= at) return;
    focusRowAt.current = null;
    listRef.current?.querySelectorAll<HTMLAnchorElement>(".run-row-link")[at]?.focus();
  });

  const nothingAtAll = runs.length === 0 && !needle && filter.status === "all";

  return (
    <div className="page">
      <div className="page-heading">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            Runs
          </h1>
          <p className="muted">Live progress of your agents' long-running work.</p>
        </div>
      </div>
      {deleted && (
        <p className="muted notice" role="status">
          Deleted “{deleted}”.
        </p>
      )}
      <StatCards counts={{ running: counts.running, attention, succeeded: counts.succeeded, failed: counts.failed }} />
      <RunFilters
        status={filter.status}
        query={filter.query}
        counts={counts}
        onStatus={(status) => setFilter({ ...filter, status })}
        onQuery={(query) => setFilter({ ...filter, query })}
      />
      {!list.loaded ? (
        <div className="card empty">Loading runs…</div>
      ) : ordered.length === 0 ? (
        <div className="card empty">
          <strong>{nothingAtAll ? "No runs yet" : "No runs match"}</strong>
          <span className="muted">
            {nothingAtAll ? (
              <>
                Runs appear here the moment an agent starts one, through the library, the MCP tool or{" "}
                <code>headway exec</code>.
              </>
            ) : (
              "Try another status or a shorter search."
            )}
          </span>
        </div>
      ) : (
        <ul
          ref={listRef}
          className="card run-list"
          aria-label="Runs"
          onPointerEnter={() => setStill((s) => ({ ...s, hover: true }))}
          onPointerLeave={() => setStill((s) => ({ ...s, hover: false }))}
          onFocus={() => setStill((s) => (s.focus ? s : { ...s, focus: true }))}
          onBlur={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) {
              setStill((s) => ({ ...s, focus: false }));
            }
          }}
        >
          {ordered.map((run) => (
            <RunRow
              key={run.id}
              run={run}
              childCount={childCounts.get(run.id) ?? 0}
              now={now}
              mark={marks.get(run.id)}
              onOpen={onOpen}
            />
          ))}
        </ul>
      )}
      {list.hasMore && (
        <button
          type="button"
          className="ghost-button load-more"
          onClick={() => {
            focusRowAt.current = ordered.length;
            list.loadMore();
          }}
        >
          Load older runs
        </button>
      )}
    </div>
  );
}
