import { useEffect, useRef } from "react";
import type { RunHistoryPoint } from "../../../src/client/index.js";
import { clockTime } from "../format.js";

const LABELS: Record<RunHistoryPoint["type"], string> = {
  started: "Started",
  progress: "Progress",
  cancel_requested: "Cancel requested",
  completed: "Finished",
};

/**
 * The steps a run went through: one entry per new step, plus its start, cancel
 * request and end. A long timeline scrolls in its own box, which the keyboard
 * can reach (it takes focus and has a name) and which keeps the latest entry
 * in view unless the reader has scrolled up.
 */
export function RunTimeline({ points, labelledBy }: { points: RunHistoryPoint[]; labelledBy?: string }) {
  const box = useRef<HTMLElement>(null);
  const atEnd = useRef(true);
  const entries = points.filter(
    (point, i) => point.type !== "progress" || i === 0 || point.step !== points[i - 1]?.step,
  );

  useEffect(() => {
    const el = box.current;
    if (el && atEnd.current && entries.length > 0) el.scrollTop = el.scrollHeight;
  }, [entries.length]);

  if (entries.length === 0) return <p className="muted">Nothing recorded yet.</p>;
  return (
    <section
      ref={box}
      className="timeline-scroll"
      aria-labelledby={labelledBy}
      aria-label={labelledBy ? undefined : "Timeline"}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard (WCAG 2.1.1)
      tabIndex={0}
      onScroll={(event) => {
        const el = event.currentTarget;
        atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
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
    </section>
  );
}
