import { type RefObject, useEffect, useRef, useState } from "react";
import { formatDuration } from "../format.js";

export interface ChartPoint {
  at: string;
  percent: number | null;
}

const H = 170;
const PAD = { top: 12, right: 14, bottom: 26, left: 44 };

/** The element's width in CSS pixels, followed as it changes. */
function useWidth<T extends HTMLElement>(fallback: number): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(200, Math.round(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * Percent over time as a small line chart, coloured by how the run stands
 * (`tone`); the line runs on to now while the run is live. Drawn at the width
 * it is shown at, so its labels stay at a readable 12 px on a phone too.
 */
export function PercentChart({
  points,
  endAt,
  tone,
  note,
}: {
  points: ChartPoint[];
  endAt: number;
  tone: string;
  note?: string;
}) {
  const [wrap, W] = useWidth<HTMLDivElement>(640);
  const known = points.filter((p) => p.percent !== null);
  if (known.length === 0) {
    return (
      <div ref={wrap}>
        <p className="muted chart-empty">No percent reported yet.</p>
      </div>
    );
  }
  const start = Date.parse(points[0]?.at ?? known[0]!.at);
  const span = Math.max(1000, endAt - start);
  const x = (t: number) => PAD.left + ((t - start) / span) * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p / 100) * (H - PAD.top - PAD.bottom);
  const coords = known.map((p) => [x(Date.parse(p.at)), y(p.percent ?? 0)] as const);
  const last = coords.at(-1)!;
  coords.push([x(endAt), last[1]]);
  const line = coords.map(([cx, cy], i) => `${i ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`).join(" ");
  const area = `${line} L${x(endAt).toFixed(1)},${y(0)} L${coords[0]![0].toFixed(1)},${y(0)} Z`;
  const first = known[0]!.percent;
  const final = known.at(-1)!.percent;
  return (
    <div ref={wrap}>
      <svg
        className="chart"
        data-tone={tone}
        width={W}
        height={H}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Percent over time${note ? ` ${note}` : ""}: ${first}% to ${final}% in ${formatDuration(span)}`}
      >
        {[0, 50, 100].map((p) => (
          <g key={p}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(p)} y2={y(p)} />
            <text className="chart-label" x={PAD.left - 8} y={y(p) + 4} textAnchor="end">
              {p}%
            </text>
          </g>
        ))}
        <text className="chart-label" x={PAD.left} y={H - 6}>
          0s
        </text>
        <text className="chart-label" x={W - PAD.right} y={H - 6} textAnchor="end">
          {formatDuration(span)}
        </text>
        <path className="chart-area" d={area} />
        <path className="chart-line" d={line} />
        <circle className="chart-dot" cx={last[0]} cy={last[1]} r="4" />
      </svg>
      {note && <p className="muted chart-note">{note[0]!.toUpperCase() + note.slice(1)}.</p>}
    </div>
  );
}
