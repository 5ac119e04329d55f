import { useEffect, useId, useRef, useState } from "react";
import type { AgentRun, ProgressMark, RunHistoryPoint } from "../../../src/client/index.js";
import {
  etaView,
  useHeadwayClient,
  useNow,
  useProgressMark,
  useProgressMarks,
  useRun,
} from "../../../src/react/index.js";
import { clockTime, elapsedMs, formatDuration, timeAgo, timeLeft } from "../format.js";
import { rollupSeries } from "../rollup.js";
import { Bar } from "./bar.js";
import { PercentChart } from "./percent-chart.js";
import { RunActions } from "./run-actions.js";
import { RunRow } from "./run-row.js";
import { RunTimeline } from "./run-timeline.js";
import { runTone, StatusBadge } from "./status-badge.js";

export interface RunDetailProps {
  id: string;
  /** What the list saw of each run's updates, so the count goes on where the list left it. (Default: none) */
  marks?: ReadonlyMap<string, ProgressMark>;
  onOpen: (id: string) => void;
  onBack: () => void;
  /** After the run was deleted from this page. (Default: back to the list) */
  onDeleted?: (run: AgentRun) => void;
}

/** One run: live progress, its timeline of steps, percent over time, its child runs, cancel and delete. */
export function RunDetail({ id, marks, onOpen, onBack, onDeleted }: RunDetailProps) {
  const client = useHeadwayClient();
  const { run, children, status, error, cancel } = useRun(id);
  const [history, setHistory] = useState<RunHistoryPoint[]>([]);
  const now = useNow(1000, run?.status === "running");
  const ownMark = useProgressMark(run);
  const childMarks = useProgressMarks(children);
  // The list has watched a run longer than this page has (unless its percent has since moved).
  const markOf = (shown: AgentRun, own: ProgressMark | undefined) => {
    const seen = marks?.get(shown.id);
    return seen && seen.percent === shown.percent ? seen : own;
  };
  const version = run?.version;
  const loaded = useRef<string | null>(null);
  const [childHistories, setChildHistories] = useState<Map<string, RunHistoryPoint[]>>(new Map());
  const timelineHeading = useId();
  const ownPercents = history.filter((p) => p.percent !== null).length;
  // A parent that never wrote its own percent is charted from its children's histories.
  const childKey = ownPercents < 2 ? children.map((c) => `${c.id}:${c.version}`).join(",") : "";

  useEffect(() => {
    if (version === undefined) return;
    // Read the timeline at once, then again as versions arrive, at most every half second.
    const timer = setTimeout(
      () => void client.history(id, { limit: 500 }).then((points) => setHistory(points ?? [])),
      loaded.current === id ? 500 : 0,
    );
    loaded.current = id;
    return () => clearTimeout(timer);
  }, [client, id, version]);

  useEffect(() => {
    if (!childKey) return;
    const timer = setTimeout(() => {
      const ids = childKey.split(",").map((entry) => entry.split(":")[0]!);
      void Promise.all(ids.slice(0, 50).map((child) => client.history(child, { limit: 500 }))).then((all) =>
        setChildHistories(new Map(ids.map((child, i) => [child, all[i] ?? []]))),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [client, childKey]);

  if (!run) {
    const missing = status === "error";
    return (
      <div className="page">
        <BackLink onBack={onBack} />
        <div className="card empty">
          <strong>{missing ? "Run not found" : "Loading run…"}</strong>
          {missing && <span className="muted">{error?.message ?? "It may have been deleted."}</span>}
        </div>
      </div>
    );
  }

  // The store samples progress points over time; the run itself is always the latest point.
  const last = history.at(-1);
  const points: RunHistoryPoint[] =
    last && last.version >= run.version
      ? history
      : [
          ...history,
          {
            version: run.version,
            at: run.completedAt ?? run.updatedAt,
            type: run.status === "running" ? "progress" : "completed",
            percent: run.percent,
            step: run.step,
            status: run.status,
            state: run.state,
          },
        ];
  const { tone } = runTone(run, now);
  const running = run.status === "running";
  const endAt = run.completedAt ? Date.parse(run.completedAt) : now;
  const rolledUp = childKey && children.length > 0 ? rollupSeries(children, childHistories) : [];
  const chartPoints = rolledUp.length > 0 ? [...rolledUp, { at: run.updatedAt, percent: run.percent }] : points;
  const failed = run.status === "failed";
  const stats = [
    ["Started", `${clockTime(run.createdAt)} · ${timeAgo(run.createdAt, now)}`],
    [running ? "Elapsed" : "Took", formatDuration(elapsedMs(run, now))],
    // Once it ended there is no time left to show: when it ended says more.
    running
      ? ["Time left", timeLeft(etaView(run, now, { mark: markOf(run, ownMark) }))]
      : ["Ended", `${clockTime(run.completedAt ?? run.updatedAt)} · ${timeAgo(run.completedAt ?? run.updatedAt, now)}`],
    ["Last heartbeat", timeAgo(run.heartbeatAt, now)],
  ];
  const metadata = Object.entries(run.metadata);

  return (
    <div className="page">
      <BackLink onBack={onBack} />
      <div className="detail-heading">
        <div className="detail-title">
          <h1>{run.title}</h1>
          <StatusBadge run={run} now={now} />
        </div>
        <RunActions
          run={run}
          onCancel={() => cancel()}
          onDelete={async () => {
            await client.delete(run.id);
            if (onDeleted) onDeleted(run);
            else onBack();
          }}
        />
      </div>
      <section className="card progress-card" data-tone={tone}>
        <div className="progress-head">
          <span className="big-percent">{run.percent === null ? "—" : `${run.percent}%`}</span>
          {!failed && <span className="progress-step">{run.step ?? (running ? "Working…" : "")}</span>}
        </div>
        {failed && (
          <p className="failure">
            <strong>Failed:</strong>
            <span>{run.step ?? "the run ended without saying why."}</span>
          </p>
        )}
        <Bar percent={run.percent} label={run.title} tone={tone} size="lg" />
        <dl className="stat-grid">
          {stats.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <div className="detail-grid">
        <section className="card">
          <h2>Percent over time</h2>
          <PercentChart
            points={chartPoints}
            endAt={endAt}
            tone={tone}
            note={rolledUp.length > 0 ? `rolled up from its ${children.length} child runs` : undefined}
          />
        </section>
        <section className="card">
          <h2 id={timelineHeading}>Timeline</h2>
          <RunTimeline points={points} labelledBy={timelineHeading} />
        </section>
      </div>
      {children.length > 0 && (
        <section className="card flush">
          <h2 className="card-title">Child runs</h2>
          <ul className="run-list" aria-label="Child runs">
            {children.map((child) => (
              <RunRow
                key={child.id}
                run={child}
                childCount={0}
                now={now}
                mark={markOf(child, childMarks.get(child.id))}
                onOpen={onOpen}
              />
            ))}
          </ul>
        </section>
      )}
      {metadata.length > 0 && (
        <section className="card">
          <h2>Metadata</h2>
          <dl className="metadata">
            {metadata.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      <p className="muted run-id">Run {run.id}</p>
    </div>
  );
}

function BackLink({ onBack }: { onBack: () => void }) {
  return (
    <a
      href="/"
      className="back-link"
      onClick={(event) => {
        event.preventDefault();
        onBack();
      }}
    >
      ← All runs
    </a>
  );
}
