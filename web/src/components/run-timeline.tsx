import type { RunHistoryPoint } from "../../../src/client/index.js";
import { clockTime } from "../format.js";

const LABELS: Record<RunHistoryPoint["type"], string> = {
  started: "Started",
  progress: "Progress",
  cancel_requested: "Cancel requested",
  completed: "Finished",
};

/** The steps a run went through: one entry per new step, plus its start, cancel request and end. */
export function RunTimeline({ points }: { points: RunHistoryPoint[] }) {
  const entries = points.filter(
    (point, i) => point.type !== "progress" || i === 0 || point.step !== points[i - 1]?.step,
  );
  if (entries.length === 0) return <p className="muted">Nothing recorded yet.</p>;
  return (
    <ol className="timeline">
      {entries.map((point) => {
        const label =
          point.type === "completed" ? point.status[0]!.toUpperCase() + point.status.slice(1) : LABELS[point.type];
        return (
          <li key={point.version} className="timeline-item" data-type={point.type} data-status={point.status}>
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-body">
              <div className="timeline-head">
                <span className="timeline-label">{label}</span>
                {point.percent !== null && <span className="chip">{point.percent}%</span>}
                <time className="muted" dateTime={point.at}>
                  {clockTime(point.at)}
                </time>
              </div>
              {point.step && <div className="timeline-step">{point.step}</div>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
