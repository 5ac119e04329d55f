import type { AgentRun, ProgressMark } from "../../../src/client/index.js";
import { etaText, etaView } from "../../../src/react/index.js";
import { elapsedMs, formatDuration, timeAgo } from "../format.js";
import { runPath } from "./app-header.js";
import { Bar } from "./bar.js";
import { runTone, StatusBadge } from "./status-badge.js";

export interface RunRowProps {
  run: AgentRun;
  childCount: number;
  now: number;
  /** What the page saw of the run's earlier updates: the countdown runs from the percent's last move. */
  mark?: ProgressMark;
  onOpen: (id: string) => void;
}

/** What a row says while the run has no step of its own: "Starting…" only before any progress. */
function placeholderStep(run: AgentRun): string {
  // Ended, or waiting for a person (the badge and the time say so): nothing to add.
  if (run.status !== "running" || run.state === "action_required") return "\u00a0";
  return run.percent === null || run.percent === 0 ? "Starting…" : "Working…";
}

/**
 * One run in the list. The link is the title alone, so a screen reader's list
 * of links reads as a list of titles; it stretches over the whole row, so a
 * click anywhere opens the run.
 */
export function RunRow({ run, childCount, now, mark, onOpen }: RunRowProps) {
  const { tone } = runTone(run, now);
  const running = run.status === "running";
  const view = etaView(run, now, { mark });
  const eta = etaText(view);
  return (
    <li className="run-row" data-tone={tone} data-run-id={run.id}>
      <div className="run-row-grid">
        <div className="run-row-main">
          <div className="run-row-title">
            <a
              href={runPath(run)}
              className="run-row-link run-title"
              onClick={(event) => {
                if (event.metaKey || event.ctrlKey || event.shiftKey) return;
                event.preventDefault();
                onOpen(run.id);
              }}
            >
              {run.title}
            </a>
            {childCount > 0 && (
              <span className="chip">{childCount === 1 ? "1 subtask" : `${childCount} subtasks`}</span>
            )}
          </div>
          <div className="run-row-step">{run.step ?? placeholderStep(run)}</div>
        </div>
        <div className="run-row-progress">
          <Bar percent={run.percent} label={run.title} tone={tone} />
          <span className="run-row-percent">{run.percent === null ? "—" : `${run.percent}%`}</span>
        </div>
        <div className="run-row-status">
          <StatusBadge run={run} now={now} />
        </div>
        <div className="run-row-time">
          {/* Each half says what it is: on a phone the two sit at either end of one line. */}
          <span>
            {running
              ? `${formatDuration(elapsedMs(run, now))} elapsed`
              : timeAgo(run.completedAt ?? run.updatedAt, now)}
          </span>
          <span className="muted" data-eta={running ? (view.kind === "hidden" ? view.reason : view.kind) : undefined}>
            {running ? (eta ?? "\u00a0") : `took ${formatDuration(elapsedMs(run, now))}`}
          </span>
        </div>
      </div>
    </li>
  );
}
